"""The SQLite store: keyed, atomic, and each student's latest result."""

from __future__ import annotations

from pathlib import Path

import pytest

from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.errors import StoreError
from tpgrade.models import QuestionResult, SubmissionResult


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
    store = SqliteStore(tmp_path / "s.sqlite")
    store.save(result("alice", "h1", 2))
    assert store.find("day2", "alice", "h1", "v1") == result("alice", "h1", 2)
    assert store.find("day2", "alice", "h1", "v2") is None
    assert store.find("day2", "bob", "h1", "v1") is None


def test_identical_files_of_two_students_are_two_results(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite")
    store.save(result("alice", "same", 2))
    store.save(result("bob", "same", 2))
    assert [r.student for r in store.latest("day2")] == ["alice", "bob"]


def test_latest_follows_the_newest_submission_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path)
    store.save(result("alice", "h1", 0))
    store.save(result("alice", "h2", 2))
    store.close()
    reopened = SqliteStore(path)
    assert [(r.submission_hash, r.score) for r in reopened.latest("day2")] == [("h2", 2)]
    reopened.mark_latest(result("alice", "h1", 0))
    assert [r.submission_hash for r in reopened.latest("day2")] == ["h1"]
    assert reopened.count("day2") == 2


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_text("garbage, not SQLite")
    with pytest.raises(StoreError, match="results store"):
        SqliteStore(path).latest("day2")


def test_a_result_too_large_to_store_is_stored_shortened(tmp_path: Path) -> None:
    from tpgrade.models import MAX_STORED_RESULT_BYTES, CellIssue, LoadReport, TestResult

    huge_tests = [
        TestResult(
            name=f"t{i}", question="softmax", points=0, max_points=1, status="failed", message="m" * 5000
        )
        for i in range(300)
    ]
    issues = [CellIssue(index=i, kind="error", message="e" * 5000) for i in range(2000)]
    question = QuestionResult(
        name="softmax", score=1, max_score=2, status="partial", message="q" * 100_000, tests=huge_tests
    )
    big = result("alice", "h", 1).model_copy(
        update={"questions": {"softmax": question}, "load": LoadReport(cells=2000, issues=issues)}
    )
    assert len(big.model_dump_json()) > 10 * MAX_STORED_RESULT_BYTES
    store = SqliteStore(tmp_path / "s.sqlite")
    store.save(big)
    stored = store.find("day2", "alice", "h", "v1")
    assert stored is not None and len(stored.model_dump_json()) <= MAX_STORED_RESULT_BYTES
    assert stored.score == 1 and stored.questions["softmax"].score == 1
    assert "abrégé" in stored.message


def test_a_result_with_lone_surrogates_is_stored(tmp_path: Path) -> None:
    from tpgrade.cohort.batch import _save

    odd = result("bob", "h", 2).model_copy(update={"message": "a\udc80b"})
    store = SqliteStore(tmp_path / "s.sqlite")
    kept = _save(store, odd)
    assert store.find("day2", "bob", "h", "v1") is not None and kept.status in ("graded", "error")


def test_a_result_stored_too_large_by_an_older_tpgrade_is_read_from_its_columns(tmp_path: Path) -> None:
    import sqlite3

    from tpgrade.models import MAX_STORED_RESULT_BYTES

    path = tmp_path / "s.sqlite"
    store = SqliteStore(path)
    store.save(result("alice", "h", 2))
    store.close()
    with sqlite3.connect(path) as db:  # what an unbounded writer could leave
        db.execute(
            "UPDATE results SET result_json = ? WHERE student = 'alice'",
            ("x" * (2 * MAX_STORED_RESULT_BYTES),),
        )
    latest = SqliteStore(path).latest("day2")
    assert [(r.student, r.score, r.status) for r in latest] == [("alice", 2, "graded")]
    assert "--regrade" in latest[0].message
