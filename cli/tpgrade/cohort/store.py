"""The results store: an embedded SQLite database.

A result is keyed by (day, student, submission hash, grader version): the
student is part of the key because two students may hand in identical files
(the untouched stub, say), and each needs a result of their own. Grading the
same file again with the same graders finds it and grades nothing. Each
result is written in its own transaction, so a grading run killed half-way
keeps every result it finished. ``latest`` remembers which submission is each
student's current one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tpgrade.errors import StoreError
from tpgrade.models import MAX_STORED_RESULT_BYTES, Adjustment, SubmissionResult, bounded

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    day TEXT NOT NULL,
    submission_hash TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    student TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    result_json TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    PRIMARY KEY (day, student, submission_hash, grader_version)
);
CREATE TABLE IF NOT EXISTS latest (
    day TEXT NOT NULL,
    student TEXT NOT NULL,
    submission_hash TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    PRIMARY KEY (day, student)
);
CREATE TABLE IF NOT EXISTS overrides (
    day TEXT NOT NULL,
    student TEXT NOT NULL,
    question TEXT NOT NULL,
    answer_hash TEXT NOT NULL,
    points REAL NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (day, student, question)
);
CREATE TABLE IF NOT EXISTS adjustments (
    day TEXT NOT NULL,
    student TEXT NOT NULL,
    question TEXT NOT NULL,
    submission_hash TEXT NOT NULL,
    points REAL NOT NULL,
    comment TEXT NOT NULL,
    author TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (day, student, question)
);
"""


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the results store {path}: {exc}") from None

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            yield self._db
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._db.execute("ROLLBACK")
            raise StoreError(f"cannot write to the results store {self.path}: {exc}") from None

    def _rows(self, sql: str, params: tuple[str | int, ...]) -> list[tuple[str]]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the results store {self.path}: {exc}") from None

    def find(
        self, day: str, student: str, submission_hash: str, grader_version: str
    ) -> SubmissionResult | None:
        rows = self._rows(
            "SELECT result_json FROM results WHERE day=? AND student=? AND submission_hash=? "
            "AND grader_version=?",
            (day, student, submission_hash, grader_version),
        )
        return _parse(rows[0][0]) if rows else None

    def save(self, result: SubmissionResult) -> None:
        """Write a result (shortened if too large: see :func:`bounded`) and make it its
        student's current one, atomically."""
        result = bounded(result)
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    result.day,
                    result.submission_hash,
                    result.grader_version,
                    result.student,
                    result.status,
                    result.score,
                    result.max_score,
                    result.model_dump_json(),
                    result.graded_at,
                ),
            )
            self.mark_latest(result)

    def mark_latest(self, result: SubmissionResult) -> None:
        """Make an already stored result its student's current one."""
        self._db.execute(
            "INSERT OR REPLACE INTO latest VALUES (?, ?, ?, ?)",
            (result.day, result.student, result.submission_hash, result.grader_version),
        )

    def latest(self, day: str) -> list[SubmissionResult]:
        """Each student's current result for ``day``, sorted by student."""
        rows: list[Any] = self._rows(
            "SELECT CASE WHEN length(r.result_json) <= ? THEN r.result_json END, r.day, r.student, "
            "r.status, r.score, r.max_score, r.submission_hash, r.grader_version, r.graded_at "
            "FROM latest l JOIN results r ON r.day = l.day "
            "AND r.student = l.student AND r.submission_hash = l.submission_hash "
            "AND r.grader_version = l.grader_version "
            "WHERE l.day = ? ORDER BY l.student",
            (MAX_STORED_RESULT_BYTES, day),
        )
        return [_parse(row[0]) if row[0] is not None else _oversized(row[1:]) for row in rows]

    def save_override(self, day: str, student: str, question: str, answer_hash: str, points: float) -> None:
        """An instructor's decision on one answer; it holds while the answer stays the same."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO overrides VALUES (?, ?, ?, ?, ?, datetime('now'))",
                (day, student, question, answer_hash, points),
            )

    def overrides(self, day: str) -> dict[tuple[str, str], tuple[str, float]]:
        """(student, question) -> (hash of the answer decided on, points given)."""
        rows: list[Any] = self._rows(
            "SELECT student, question, answer_hash, points FROM overrides WHERE day=?", (day,)
        )
        return {(str(r[0]), str(r[1])): (str(r[2]), float(r[3])) for r in rows}

    def save_adjustment(self, adjustment: Adjustment) -> None:
        """An instructor's points for one question of a TP; replaces an earlier one."""
        a = adjustment
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO adjustments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    a.day,
                    a.student,
                    a.question,
                    a.submission_hash,
                    a.points,
                    a.comment,
                    a.author,
                    a.decided_at,
                ),
            )

    def clear_adjustment(self, day: str, student: str, question: str) -> bool:
        """Remove an adjustment; False when there was none."""
        with self._transaction() as db:
            cursor = db.execute(
                "DELETE FROM adjustments WHERE day=? AND student=? AND question=?", (day, student, question)
            )
            return cursor.rowcount > 0

    def adjustments(self, day: str) -> list[Adjustment]:
        rows: list[Any] = self._rows(
            "SELECT day, student, question, submission_hash, points, comment, author, decided_at"
            " FROM adjustments WHERE day=? ORDER BY student, question",
            (day,),
        )
        fields = (
            "day",
            "student",
            "question",
            "submission_hash",
            "points",
            "comment",
            "author",
            "decided_at",
        )
        return [Adjustment.model_validate(dict(zip(fields, row, strict=True))) for row in rows]

    def count(self, day: str) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM results WHERE day=?", (day,)).fetchone()[0])


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


def _parse(text: str) -> SubmissionResult:
    try:
        return SubmissionResult.model_validate_json(text)
    except ValidationError as exc:
        raise StoreError(f"a stored result is unreadable ({exc.error_count()} errors)") from None
