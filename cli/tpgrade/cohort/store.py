"""The results store: one interface, one schema, two backends.

A result is keyed by (day, student, submission hash, grader version): the
student is part of the key because two students may hand in identical files
(the untouched stub, say), and each needs a result of their own. Grading the
same file again with the same graders finds it and grades nothing. Each
result is written in its own transaction, so a grading run killed half-way
keeps every result it finished. ``latest`` remembers which submission is each
student's current one.

The SQL below is shared by SQLite (:mod:`tpgrade.cohort.sqlite_store`, the
embedded default) and PostgreSQL (:mod:`tpgrade.cohort.postgres_store`, for
grading on several machines): both understand it, ``?`` placeholders
included (the PostgreSQL backend turns them into its own).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from tpgrade.errors import StoreError
from tpgrade.models import MAX_STORED_RESULT_BYTES, Adjustment, SubmissionResult, bounded

SCHEMA_VERSION = "1"  # raised whenever a table below changes

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS tpgrade_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS results (
        day TEXT NOT NULL,
        submission_hash TEXT NOT NULL,
        grader_version TEXT NOT NULL,
        student TEXT NOT NULL,
        status TEXT NOT NULL,
        score DOUBLE PRECISION NOT NULL,
        max_score DOUBLE PRECISION NOT NULL,
        result_json TEXT NOT NULL,
        graded_at TEXT NOT NULL,
        PRIMARY KEY (day, student, submission_hash, grader_version)
    )""",
    """CREATE TABLE IF NOT EXISTS latest (
        day TEXT NOT NULL,
        student TEXT NOT NULL,
        submission_hash TEXT NOT NULL,
        grader_version TEXT NOT NULL,
        PRIMARY KEY (day, student)
    )""",
    """CREATE TABLE IF NOT EXISTS overrides (
        day TEXT NOT NULL,
        student TEXT NOT NULL,
        question TEXT NOT NULL,
        answer_hash TEXT NOT NULL,
        points DOUBLE PRECISION NOT NULL,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (day, student, question)
    )""",
    """CREATE TABLE IF NOT EXISTS adjustments (
        day TEXT NOT NULL,
        student TEXT NOT NULL,
        question TEXT NOT NULL,
        submission_hash TEXT NOT NULL,
        points DOUBLE PRECISION NOT NULL,
        comment TEXT NOT NULL,
        author TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (day, student, question)
    )""",
)

RESULT_COLUMNS = (
    "day, submission_hash, grader_version, student, status, score, max_score, result_json, graded_at"
)
_REPLACE_RESULT = (
    f"INSERT INTO results ({RESULT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (day, student, submission_hash, grader_version) DO UPDATE SET "
    "status = excluded.status, score = excluded.score, max_score = excluded.max_score, "
    "result_json = excluded.result_json, graded_at = excluded.graded_at"
)
_MARK_LATEST = (
    "INSERT INTO latest (day, student, submission_hash, grader_version) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (day, student) DO UPDATE SET "
    "submission_hash = excluded.submission_hash, grader_version = excluded.grader_version"
)
_ADJUSTMENT_FIELDS = (
    "day",
    "student",
    "question",
    "submission_hash",
    "points",
    "comment",
    "author",
    "decided_at",
)

Statement = tuple[str, tuple[Any, ...]]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def result_row(result: SubmissionResult) -> tuple[Any, ...]:
    return (
        result.day,
        result.submission_hash,
        result.grader_version,
        result.student,
        result.status,
        result.score,
        result.max_score,
        result.model_dump_json(),
        result.graded_at,
    )


class Store(ABC):
    """Where results, the instructors' decisions and each student's current submission live."""

    location: str  # said in messages: a file, or a database with its password left out

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _write(self, statements: list[Statement]) -> list[int]:
        """Run ``statements`` in one transaction (all or none); the rows each changed.

        Every write of the store is an upsert or a delete, so a backend may run the
        whole transaction again when its connection was lost half-way."""

    @abstractmethod
    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]: ...

    def find(
        self, day: str, student: str, submission_hash: str, grader_version: str
    ) -> SubmissionResult | None:
        rows = self._rows(
            "SELECT result_json FROM results WHERE day=? AND student=? AND submission_hash=? "
            "AND grader_version=?",
            (day, student, submission_hash, grader_version),
        )
        return parse_result(rows[0][0]) if rows else None

    def save(self, result: SubmissionResult) -> None:
        """Write a result (shortened if too large: see :func:`bounded`) and make it its
        student's current one, atomically."""
        result = bounded(result)
        self._write([(_REPLACE_RESULT, result_row(result)), (_MARK_LATEST, _latest_key(result))])

    def mark_latest(self, result: SubmissionResult) -> None:
        """Make an already stored result its student's current one."""
        self._write([(_MARK_LATEST, _latest_key(result))])

    def latest(self, day: str) -> list[SubmissionResult]:
        """Each student's current result for ``day``, sorted by student."""
        rows = self._rows(
            "SELECT CASE WHEN length(r.result_json) <= ? THEN r.result_json END, r.day, r.student, "
            "r.status, r.score, r.max_score, r.submission_hash, r.grader_version, r.graded_at "
            "FROM latest l JOIN results r ON r.day = l.day "
            "AND r.student = l.student AND r.submission_hash = l.submission_hash "
            "AND r.grader_version = l.grader_version "
            "WHERE l.day = ? ORDER BY l.student",
            (MAX_STORED_RESULT_BYTES, day),
        )
        return [parse_result(row[0]) if row[0] is not None else _oversized(row[1:]) for row in rows]

    def save_override(self, day: str, student: str, question: str, answer_hash: str, points: float) -> None:
        """An instructor's decision on one answer; it holds while the answer stays the same."""
        sql = (
            "INSERT INTO overrides (day, student, question, answer_hash, points, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, student, question) DO UPDATE SET "
            "answer_hash = excluded.answer_hash, points = excluded.points, decided_at = excluded.decided_at"
        )
        self._write([(sql, (day, student, question, answer_hash, points, now()))])

    def overrides(self, day: str) -> dict[tuple[str, str], tuple[str, float]]:
        """(student, question) -> (hash of the answer decided on, points given)."""
        rows = self._rows("SELECT student, question, answer_hash, points FROM overrides WHERE day=?", (day,))
        return {(str(r[0]), str(r[1])): (str(r[2]), float(r[3])) for r in rows}

    def save_adjustment(self, adjustment: Adjustment) -> None:
        """An instructor's points for one question of a TP; replaces an earlier one."""
        values = tuple(getattr(adjustment, name) for name in _ADJUSTMENT_FIELDS)
        sql = (
            f"INSERT INTO adjustments ({', '.join(_ADJUSTMENT_FIELDS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (day, student, question) DO UPDATE SET "
            "submission_hash = excluded.submission_hash, points = excluded.points, "
            "comment = excluded.comment, author = excluded.author, decided_at = excluded.decided_at"
        )
        self._write([(sql, values)])

    def clear_adjustment(self, day: str, student: str, question: str) -> bool:
        """Remove an adjustment; False when there was none."""
        sql = "DELETE FROM adjustments WHERE day=? AND student=? AND question=?"
        return self._write([(sql, (day, student, question))])[0] > 0

    def adjustments(self, day: str) -> list[Adjustment]:
        rows = self._rows(
            f"SELECT {', '.join(_ADJUSTMENT_FIELDS)} FROM adjustments WHERE day=? ORDER BY student, question",
            (day,),
        )
        return [Adjustment.model_validate(dict(zip(_ADJUSTMENT_FIELDS, row, strict=True))) for row in rows]

    def count(self, day: str) -> int:
        return int(self._rows("SELECT COUNT(*) FROM results WHERE day=?", (day,))[0][0])

    def _check_version(self, found: str | None) -> None:
        """A store written by a tpgrade of another schema is refused before anything is read."""
        if found is not None and found != SCHEMA_VERSION:
            raise StoreError(
                f"the results store {self.location} was written by another version of tpgrade "
                f"(schema {found}; this tpgrade reads schema {SCHEMA_VERSION}): "
                "use the tpgrade that wrote it, or a new store"
            )


def _latest_key(result: SubmissionResult) -> tuple[str, str, str, str]:
    return (result.day, result.student, result.submission_hash, result.grader_version)


def _oversized(columns: tuple[Any, ...]) -> SubmissionResult:
    """A result stored too large to read (by a tpgrade that did not bound results): its scores."""
    day, student, status, score, max_score, submission_hash, grader_version, graded_at = columns
    return SubmissionResult(
        student=str(student),
        day=str(day),
        status=status if status in ("graded", "rejected", "not_loadable", "error") else "error",
        score=float(score),
        max_score=float(max_score),
        message="détail non lu : résultat enregistré trop volumineux (corrigez à nouveau avec --regrade)",
        submission_hash=str(submission_hash),
        grader_version=str(grader_version),
        graded_at=str(graded_at),
    )


def parse_result(text: str) -> SubmissionResult:
    try:
        return SubmissionResult.model_validate_json(text)
    except ValidationError as exc:
        raise StoreError(f"a stored result is unreadable ({exc.error_count()} errors)") from None
