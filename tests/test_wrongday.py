"""A file that implements none of the day's functions but another day's is named as such."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from tpgrade import paths
from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.commands.grading import RunOptions, SandboxRequest, run_grading
from tpgrade.judge.submission import program_from_source
from tpgrade.judge.wrongday import graded_functions, other_day, wrong_day_note
from tpgrade.reports.feedback import feedback_markdown

ROOT = Path(__file__).resolve().parents[1]


def reference_source(day: str) -> str:
    return (ROOT / "reference" / day / "solution.py").read_text(encoding="utf-8")


def test_every_day_has_graded_functions_and_no_two_days_share_one() -> None:
    seen: dict[str, str] = {}
    for day in paths.DAYS:
        names = graded_functions(day)
        assert len(names) >= 3, day
        for name in names:
            assert seen.setdefault(name, day) == day, f"{name}: {seen[name]} and {day}"


def test_each_day_s_reference_is_recognised_when_handed_in_for_another_day() -> None:
    for handed in paths.DAYS:
        program = program_from_source(reference_source(handed))
        for day in paths.DAYS:
            found = other_day(program, day)
            assert found is None if day == handed else found is not None and found[0] == handed


def test_a_file_of_no_day_or_of_this_day_gets_no_note() -> None:
    assert wrong_day_note(program_from_source("x = 1\n"), "day2") == ""
    assert wrong_day_note(program_from_source("def softmax(z):\n    return z\n"), "day2") == ""
    note = wrong_day_note(program_from_source(reference_source("day5")), "day2")
    assert note.startswith("ce fichier semble être le TP de day5")


def test_grading_the_wrong_day_says_so_in_the_feedback(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / "bob.py").write_text(reference_source("day5"), encoding="utf-8")
    quiet = Console(file=io.StringIO(), width=200)
    store = tmp_path / "s.sqlite"
    run_grading("day2", [cohort], SandboxRequest("none", True), RunOptions(store), quiet, quiet)
    (result,) = SqliteStore(store).latest("day2")
    assert result.score == 0
    assert "le TP de day5" in result.message
    assert "le TP de day5" in feedback_markdown(result, "day2")
