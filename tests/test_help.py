"""Every command's --help reads well at 80 columns: nothing cut, no type noise."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from tpgrade.commands.app import app


def command_paths(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if hasattr(command, "commands"):  # a group of commands
            found += command_paths(command, (*prefix, name))
    return found


def test_every_help_page_fits_80_columns_and_says_no_bool() -> None:
    runner = CliRunner()
    root = typer.main.get_command(app)
    paths = command_paths(root)
    assert ("grade",) in paths and ("exam", "grade") in paths and ("adjust",) in paths
    for path in [(), *paths]:
        outcome = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
        assert outcome.exit_code == 0, (path, outcome.output)
        text = outcome.output
        assert all(len(line) <= 80 for line in text.splitlines()), path
        assert "…" not in text.replace("day1 … day5", ""), path
        assert "<bool>" not in text and "--no-allow-unsandboxed" not in text, path
