"""Batch rules: one file per student, and a fault on one file never stops the batch."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from tpgrade import paths
from tpgrade.cohort.batch import grade_all
from tpgrade.cohort.intake import from_files, gather
from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.judge.engine import GradingConfig
from tpgrade.reports.exports import write_moodle_csv
from tpgrade.sandbox import Limits, RunnerProcess, Sandbox


class BrokenSandbox(Sandbox):
    """A backend whose every start fails in an unforeseen way."""

    name = "broken"

    def launch(self, limits: Limits, slot: int = 0) -> RunnerProcess:
        raise RuntimeError("backend exploded")


def test_an_internal_fault_is_reported_per_file_stored_and_tried_again(
    tmp_path: Path, reference_source: str
) -> None:
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    for name in ("a", "b"):
        (cohort / f"{name}.py").write_text(reference_source)
    (cohort / "c.ipynb").write_text("")
    config = GradingConfig(
        day="day2", tests_dir=paths.graders_dir("day2"), sandbox=BrokenSandbox(), grader_version="v"
    )
    store = SqliteStore(tmp_path / "store" / "s.sqlite")
    outcomes = grade_all(gather([cohort], tmp_path / "scratch"), config, store)
    statuses = {o.result.student: o.result.status for o in outcomes}
    assert statuses == {"a": "error", "b": "error", "c": "rejected"}
    assert "backend exploded" in outcomes[0].result.message
    assert store.count("day2") == 3 and {r.status for r in store.latest("day2")} == {"error", "rejected"}
    again = grade_all(gather([cohort], tmp_path / "scratch"), config, store)
    assert sorted(o.result.student for o in again if not o.cached) == ["a", "b"]  # c stays rejected
    assert store.count("day2") == 3


def test_two_files_of_one_student_keep_the_newest(tmp_path: Path) -> None:
    old, new, other = tmp_path / "alice.py", tmp_path / "alice.ipynb", tmp_path / "bob.py"
    for path in (old, new, other):
        path.write_text("x = 1\n")
    os.utime(old, (1_000_000, 1_000_000))
    intake = from_files([old, new, other])
    assert [c.path for c in intake.candidates] == [new, other]
    assert [(c.path, "alice.ipynb" in message) for c, message in intake.duplicates] == [(old, True)]


def test_hidden_files_are_ignored_and_subfolders_are_students(tmp_path: Path) -> None:
    (tmp_path / ".DS_Store").write_text("")
    (tmp_path / "notes").mkdir()
    (tmp_path / "alice.py").write_text("")
    intake = gather([tmp_path], tmp_path.parent / "scratch")
    assert [(c.student, c.path) for c in intake.candidates] == [("alice", tmp_path / "alice.py")]
    assert [c.student for c, _ in intake.rejected] == ["notes"]


def test_the_moodle_participant_comes_from_the_intake_not_from_the_id(tmp_path: Path) -> None:
    """A plain hand-in named like a participant (``alice_2``) is nobody's row in Moodle; the
    Moodle folder of participant 2 is, even after its result is read back from the store."""
    cohort = tmp_path / "cohort"
    (cohort / "Bob Martin_2_assignsubmission_file_").mkdir(parents=True)
    (cohort / "Bob Martin_2_assignsubmission_file_" / "tp_day2.py").write_text("x = 1\n")
    (cohort / "Carl_3_assignsubmission_file_").mkdir()
    (cohort / "Carl_3_assignsubmission_file_" / "notes.pdf").write_bytes(b"%PDF-1.4\n")
    (cohort / "alice_2.py").write_text("x = 1\n")
    config = GradingConfig(
        day="day2", tests_dir=paths.graders_dir("day2"), sandbox=BrokenSandbox(), grader_version="v"
    )
    store = SqliteStore(tmp_path / "s.sqlite")
    outcomes = grade_all(gather([cohort], tmp_path / "scratch"), config, store)
    assert {o.result.student: o.result.participant for o in outcomes} == {
        "Bob Martin/2": "2",
        "Carl/3": "3",  # rejected (no notebook), still Carl's row in Moodle
        "alice_2": "",
    }
    stored = store.latest("day2")
    assert {r.student: r.participant for r in stored} == {"Bob Martin/2": "2", "Carl/3": "3", "alice_2": ""}
    rows = list(csv.DictReader(io.StringIO(write_moodle_csv(stored, tmp_path / "m.csv").read_text())))
    assert [(row["Identifier"], row["Full name"]) for row in rows] == [
        ("Participant 2", "Bob Martin"),
        ("Participant 3", "Carl"),
        ("alice_2", "alice_2"),
    ]
