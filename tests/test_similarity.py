"""Similarity: renamed copies are found, independent work and the shared stub are not."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from tpgrade import paths
from tpgrade.cohort.intake import from_files
from tpgrade.commands.app import app
from tpgrade.judge.submission import read_program
from tpgrade.reports.similarity import compare, fingerprint, stub_statements

INDEPENDENT = """
import numpy as np

def softmax(Z):
    e = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)

def grad_quadratic(x):
    return np.array([2 * x[0], 6 * x[1]])
"""


def renamed(source: str) -> str:
    """The same code with other names, comments and docstrings: what a copier does."""
    for old, new in (("params", "theta"), ("grads", "gradients"), ("cache", "memo"), ("logits", "scores")):
        source = source.replace(old, new)
    return "# my own work\n" + source.replace("\ndef ", "\n# written by me\ndef ")


def test_renamed_copies_are_reported_and_independent_work_is_not(
    tmp_path: Path, reference_source: str
) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "alice.py").write_text(reference_source)
    (folder / "bob.py").write_text(renamed(reference_source))
    (folder / "carla.py").write_text(INDEPENDENT)
    (folder / "dora.ipynb").write_bytes(paths.stub_notebook("day2").read_bytes())
    (folder / "emma.ipynb").write_bytes(paths.stub_notebook("day2").read_bytes())
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(
        app, ["similarity", "day2", str(folder), "--out", str(out), "--threshold", "0.5"]
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "student_a,student_b,similarity"
    assert [line.rsplit(",", 1)[0] for line in lines[1:]] == ["alice,bob"]
    assert float(lines[1].rsplit(",", 1)[1]) > 0.9


# --- disguises that change nothing, honest work that shares a contract ------------------------

ROOT = Path(__file__).resolve().parents[1]
HONEST = {
    "reference": ROOT / "reference" / "day2" / "solution.py",
    "alt_correct": ROOT / "tests" / "fixtures" / "day2" / "alt_correct.py",
    "alt_correct_2": ROOT / "tests" / "fixtures" / "day2" / "alt_correct_2.py",
    "other_style": ROOT / "reference" / "day2" / "demo" / "other_style.py",
}
NO_OPS = ["pass", "0", "None", "...", "'done'", "x = x", "unused_value = 1.5", "np.pi", "print()", "y += 0"]


def after_every_statement(source: str, make: Callable[[int], str]) -> str:
    """``source`` with ``make(n)`` inserted after every statement, at its indentation."""
    tree = ast.parse(source)
    indents: dict[int, str] = {}
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            # ``IfExp.body`` and ``IfExp.orelse`` are single expressions, not statement lists.
            for statement in block if isinstance(block, list) else []:
                docstring = statement is tree.body[0] and isinstance(statement, ast.Expr)
                if (
                    isinstance(statement, ast.stmt)
                    and not isinstance(statement, ast.ImportFrom)
                    and not docstring
                ):
                    indent = " " * statement.col_offset
                    end = statement.end_lineno or statement.lineno
                    indents[end] = max(indents.get(end, ""), indent, key=len)
    lines = []
    for number, line in enumerate(source.split("\n"), 1):
        lines.append(line)
        if number in indents:
            lines.append(indents[number] + make(number))
    text = "\n".join(lines)
    compile(text, "copy", "exec")
    return text


def reordered(source: str) -> str:
    """The same module with its functions in reverse order."""
    tree = ast.parse(source)
    lines = source.split("\n")
    parts = [
        ("\n".join(lines[n.lineno - 1 : n.end_lineno]), isinstance(n, ast.FunctionDef)) for n in tree.body
    ]
    return "\n\n".join(
        [p for p, is_def in parts if not is_def] + [p for p, is_def in reversed(parts) if is_def]
    )


def similarities(folder: Path) -> tuple[dict[tuple[str, str], float], list[tuple[str, str]]]:
    result = compare(from_files(sorted(folder.iterdir())), paths.stub_notebook("day2"), 0.0)
    return {(pair.first, pair.second): pair.similarity for pair in result.pairs}, result.notes


def test_a_copy_with_a_no_op_after_every_line_is_reported(tmp_path: Path, reference_source: str) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "alice.py").write_text(reference_source)
    (folder / "bob.py").write_text(
        after_every_statement(renamed(reference_source), lambda n: NO_OPS[n % len(NO_OPS)])
    )
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(app, ["similarity", "day2", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert [line.rsplit(",", 1)[0] for line in lines[1:]] == ["alice,bob"]
    assert float(lines[1].rsplit(",", 1)[1]) >= 0.8  # the default threshold


def test_reordered_and_padded_copies_are_still_found(tmp_path: Path, reference_source: str) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "alice.py").write_text(reference_source)
    (folder / "bob.py").write_text(reordered(renamed(reference_source)))
    # Statements that do something, after every third line: winnowing keeps the runs between them.
    (folder / "carl.py").write_text(
        after_every_statement(reference_source, lambda n: "np.random.random()" if n % 3 == 0 else "pass")
    )
    found, _ = similarities(folder)
    assert found[("alice", "bob")] >= 0.8
    assert found[("alice", "carl")] >= 0.5


def test_honest_solutions_of_the_same_day_stay_well_apart(tmp_path: Path) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    for name, path in HONEST.items():
        (folder / f"{name}.py").write_bytes(path.read_bytes())
    found, notes = similarities(folder)
    assert notes == []
    assert len(found) == 6
    assert max(found.values()) < 0.4, found


def test_files_that_cannot_be_compared_are_skipped_with_a_note(tmp_path: Path, reference_source: str) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "alice.py").write_text(reference_source)
    (folder / "bob.py").write_text(reference_source + "\nx = a" + ".b" * 5000 + "\n")
    (folder / "carl.ipynb").write_text('{"nbformat": 4, "cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (folder / "dan.ipynb").write_text(
        json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "metadata": [], "source": "def f(:"}]})
    )
    (folder / "eve.py").write_text("def broken(:\n")
    (folder / "fay.ipynb").write_bytes(paths.stub_notebook("day2").read_bytes())
    found, notes = similarities(folder)
    assert found == {("alice", "bob"): 1.0}
    reasons = dict(notes)
    assert set(reasons) == {"bob", "carl", "dan", "eve", "fay"}
    last_cell = read_program(folder / "bob.py")[1].cells[-1].index + 1  # counted from 1 in the note
    assert f"too deeply nested in code cell(s) {last_cell}" in reasons["bob"]
    assert "file not read" in reasons["carl"] and "trop imbriquée" in reasons["carl"]
    assert reasons["dan"] == reasons["eve"] == "skipped, no code of its own that parses"
    assert reasons["fay"] == "skipped, too little code of its own"
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(
        app, ["similarity", "day2", str(folder), "--out", str(out), "--threshold", "0.5"]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[1:] == ["alice,bob,1.000"]


def test_the_old_entry_points_still_work(tmp_path: Path, reference_source: str) -> None:
    shared = stub_statements(paths.stub_notebook("day2"))
    assert shared
    mine = fingerprint([reference_source], shared)
    assert mine and fingerprint([renamed(reference_source)], shared) == mine
    assert fingerprint(["def broken(:"], shared) == frozenset()
