"""The store's contract, on both backends: keyed, atomic, each student's latest result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.cohort.store import Store
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


Opener = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgres"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens the same store each time it is called, on one backend; closes them all after."""
    opened: list[Store] = []
    if request.param == "sqlite":
        make: Opener = lambda: SqliteStore(tmp_path / "s.sqlite")  # noqa: E731
    else:
        url = request.getfixturevalue("database_url")
        PostgresStore.create(url).close()
        make = lambda: PostgresStore(url)  # noqa: E731

    def open_store() -> Store:
        opened.append(make())
        return opened[-1]

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def pg_store(database_url: str) -> Iterator[PostgresStore]:
    store = PostgresStore.create(database_url)
    yield store
    store.close()


def test_find_by_student_hash_and_version(opener: Opener) -> None:
    store = opener()
    store.save(result("alice", "h1", 2))
    assert store.find("day2", "alice", "h1", "v1") == result("alice", "h1", 2)
    assert store.find("day2", "alice", "h1", "v2") is None
    assert store.find("day2", "bob", "h1", "v1") is None


def test_identical_files_of_two_students_are_two_results(opener: Opener) -> None:
    store = opener()
    store.save(result("alice", "same", 2))
    store.save(result("bob", "same", 2))
    assert [r.student for r in store.latest("day2")] == ["alice", "bob"]


def test_latest_follows_the_newest_submission_and_survives_reopening(opener: Opener) -> None:
    store = opener()
    store.save(result("alice", "h1", 0))
    store.save(result("alice", "h2", 2))
    store.close()
    reopened = opener()
    assert [(r.submission_hash, r.score) for r in reopened.latest("day2")] == [("h2", 2)]
    reopened.mark_latest(result("alice", "h1", 0))
    assert [r.submission_hash for r in reopened.latest("day2")] == ["h1"]
    assert reopened.count("day2") == 2


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_text("garbage, not SQLite")
    with pytest.raises(StoreError, match="results store"):
        SqliteStore(path).latest("day2")


def test_a_result_too_large_to_store_is_stored_shortened(opener: Opener) -> None:
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
    store = opener()
    store.save(big)
    stored = store.find("day2", "alice", "h", "v1")
    assert stored is not None and len(stored.model_dump_json()) <= MAX_STORED_RESULT_BYTES
    assert stored.score == 1 and stored.questions["softmax"].score == 1
    assert "abrégé" in stored.message


def test_a_result_with_lone_surrogates_is_stored(opener: Opener) -> None:
    from tpgrade.cohort.batch import _save

    odd = result("bob", "h", 2).model_copy(update={"message": "a\udc80b"})
    store = opener()
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


def test_overrides_and_adjustments_are_replaced_and_cleared(opener: Opener) -> None:
    from tpgrade.models import Adjustment

    store = opener()
    store.save_override("exam", "alice", "Q1", "a1", 1.0)
    store.save_override("exam", "alice", "Q1", "a2", 0.5)
    assert store.overrides("exam") == {("alice", "Q1"): ("a2", 0.5)}
    adjustment = Adjustment(
        day="day2", student="alice", question="softmax", submission_hash="h", points=1.5,
        comment="vu en séance", author="prof", decided_at="2026-12-01T10:00:00+00:00",
    )  # fmt: skip
    store.save_adjustment(adjustment)
    store.save_adjustment(adjustment.model_copy(update={"points": 2.0}))
    assert [a.points for a in opener().adjustments("day2")] == [2.0]
    assert store.clear_adjustment("day2", "alice", "softmax") is True
    assert store.clear_adjustment("day2", "alice", "softmax") is False
    assert store.adjustments("day2") == []


def test_a_store_of_another_schema_is_refused_in_one_line(opener: Opener) -> None:
    store = opener()
    store._write([("UPDATE tpgrade_meta SET value = '999' WHERE key = 'schema'", ())])
    store.close()
    with pytest.raises(StoreError, match=r"another version of tpgrade \(schema 999"):
        opener()


# --- the PostgreSQL store only ---------------------------------------------------------------


def test_a_database_without_the_store_says_to_run_db_init(database_url: str) -> None:
    with pytest.raises(StoreError, match="tpgrade db init"):
        PostgresStore(database_url)


def test_an_unreachable_database_or_a_wrong_password_is_one_clear_line(postgres_server: object) -> None:
    from postgres_server import _free_port

    with pytest.raises(StoreError, match="cannot reach the database") as unreachable:
        PostgresStore(f"postgresql://tpgrade:secret@127.0.0.1:{_free_port()}/tpgrade")
    assert "secret" not in str(unreachable.value) and "\n" not in str(unreachable.value)
    with pytest.raises(StoreError, match="does not exist"):
        PostgresStore(postgres_server.url("no_such_database"))  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match="cannot be read"):
        PostgresStore("postgresql://[bad")


def test_the_first_result_stays_unless_it_was_an_error(pg_store: PostgresStore) -> None:
    store = pg_store
    assert store.record_first(result("alice", "h", 2)) is True
    assert store.record_first(result("alice", "h", 0)) is False
    assert store.find("day2", "alice", "h", "v1") == result("alice", "h", 2)
    error = result("bob", "h", 0).model_copy(update={"status": "error"})
    assert store.record_first(error) is True
    assert store.record_first(result("bob", "h", 1)) is True
    found = store.find("day2", "bob", "h", "v1")
    assert found is not None and found.status == "graded"
    keys = [("day2", "alice", "h", "v1"), ("day2", "bob", "h", "v1"), ("day2", "carl", "h", "v1")]
    assert set(store.found(keys)) == set(keys[:2])


def test_a_restarted_server_is_reconnected_and_nothing_is_lost(
    postgres_server: object, pg_store: PostgresStore
) -> None:
    store = pg_store
    store.save(result("alice", "h1", 2))
    postgres_server.restart()  # type: ignore[attr-defined]
    store.save(result("bob", "h2", 1))
    assert [r.student for r in store.latest("day2")] == ["alice", "bob"]
