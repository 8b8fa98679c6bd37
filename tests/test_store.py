"""The SQLite store: keyed, atomic, and each student's latest result."""

from __future__ import annotations

from pathlib import Path

import pytest

from tpgrade.errors import StoreError
from tpgrade.models import QuestionResult, SubmissionResult
from tpgrade.store import Store


def result(student: str, sha: str, score: float, version: str = "v1") -> SubmissionResult:
    question = QuestionResult(
        name="softmax", score=score, max_score=2, status="passed" if score == 2 else "failed"
    )
    return SubmissionResult(
        student=student,
        day="day2",
        status="graded",
        score=score,
        max_score=2,
        questions={"softmax": question},
        submission_hash=sha,
        grader_version=version,
    )


def test_find_by_student_hash_and_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.save(result("alice", "h1", 2))
    assert store.find("day2", "alice", "h1", "v1") == result("alice", "h1", 2)
    assert store.find("day2", "alice", "h1", "v2") is None
    assert store.find("day2", "bob", "h1", "v1") is None


def test_identical_files_of_two_students_are_two_results(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.save(result("alice", "same", 2))
    store.save(result("bob", "same", 2))
    assert [r.student for r in store.latest("day2")] == ["alice", "bob"]


def test_latest_follows_the_newest_submission_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = Store(path)
    store.save(result("alice", "h1", 0))
    store.save(result("alice", "h2", 2))
    store.close()
    reopened = Store(path)
    assert [(r.submission_hash, r.score) for r in reopened.latest("day2")] == [("h2", 2)]
    reopened.mark_latest(result("alice", "h1", 0))
    assert [r.submission_hash for r in reopened.latest("day2")] == ["h1"]
    assert reopened.count("day2") == 2


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_text("garbage, not SQLite")
    with pytest.raises(StoreError, match="results store"):
        Store(path).latest("day2")
