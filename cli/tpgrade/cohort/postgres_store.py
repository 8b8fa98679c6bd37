"""The results store on PostgreSQL: what several grading machines share.

Same tables and SQL as the embedded store (:mod:`tpgrade.cohort.store`), plus
the submissions themselves (their bytes travel to the workers through the
database) and a result written by the first worker only. A connection lost
half-way (a restarted server, a network cut) is opened again and the
operation run again, for up to ``patience`` seconds: every write is an upsert
or a delete, so running one twice changes nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg import conninfo

from tpgrade.cohort.store import (
    RESULT_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    Statement,
    Store,
    now,
    parse_result,
    result_row,
)
from tpgrade.errors import StoreError
from tpgrade.models import SubmissionResult, bounded

T = TypeVar("T")

SUBMISSIONS = """CREATE TABLE IF NOT EXISTS submissions (
    day TEXT NOT NULL,
    student TEXT NOT NULL,
    submission_hash TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content BYTEA NOT NULL,
    participant TEXT NOT NULL,
    modified DOUBLE PRECISION NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (day, student, submission_hash)
)"""

# The first worker's result stays; only an ``error`` (tpgrade's own fault) is replaced.
_FIRST_RESULT = (
    f"INSERT INTO results ({RESULT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (day, student, submission_hash, grader_version) DO UPDATE SET "
    "status = excluded.status, score = excluded.score, max_score = excluded.max_score, "
    "result_json = excluded.result_json, graded_at = excluded.graded_at "
    "WHERE results.status = 'error'"
)


@dataclass(frozen=True)
class Submission:
    """A handed-in file as the database keeps it."""

    day: str
    student: str
    submission_hash: str
    file_name: str
    content: bytes
    participant: str
    modified: float  # the file's modification time, which grading reads (seconds since 1970)

    def written(self, folder: Path) -> Path:
        """The file written into ``folder``, its time kept; named from the file's base name
        only, never a path the sender chose."""
        path = folder / (Path(self.file_name).name or "submission")
        path.write_bytes(self.content)
        os.utime(path, (self.modified, self.modified))
        return path


def shown_url(url: str) -> str:
    """The database's address without its password, for messages."""
    try:
        parts = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an unreadable database URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


def connect(url: str) -> psycopg.Connection[Any]:
    """A connection, or one line saying why there is none."""
    where = shown_url(url)
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.ProgrammingError as exc:
        raise StoreError(f"the database URL {where} cannot be read: {_first_line(exc)}") from None
    except psycopg.OperationalError as exc:
        reason = _first_line(exc)
        if any(word in reason for word in ("password", "authentication", "role", "permission")):
            raise StoreError(f"the database {where} refused the connection: {reason}") from None
        if "does not exist" in reason:
            raise StoreError(f"the database {where} does not exist: {reason}") from None
        raise StoreError(f"cannot reach the database {where}: {reason}") from None


def _first_line(exc: BaseException) -> str:
    """What psycopg says, on one line: the reason, without the addresses tried before it."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    reason = line.rsplit(" failed: ", 1)[-1].removeprefix("connection failed: ")
    return reason.replace("FATAL:", "").strip()


class PostgresStore(Store):
    def __init__(self, url: str, patience: float = 60.0) -> None:
        self.url = url
        self.location = shown_url(url)
        self.patience = patience
        self._db = connect(url)
        if self._rows("SELECT to_regclass('tpgrade_meta') IS NOT NULL", ())[0][0] is not True:
            self._db.close()
            raise StoreError(
                f"the database {self.location} holds no tpgrade store yet: "
                "run `tpgrade db init --database URL` once"
            )
        found = self._rows("SELECT value FROM tpgrade_meta WHERE key='schema'", ())
        try:
            self._check_version(str(found[0][0]) if found else None)
        except StoreError:
            self._db.close()
            raise

    @classmethod
    def create(cls, url: str) -> PostgresStore:
        """Create the tables (and say if another version's are there); idempotent."""
        db = connect(url)
        try:
            with db.transaction():
                for statement in (*SCHEMA, SUBMISSIONS):
                    db.execute(statement.encode())
                db.execute(
                    b"INSERT INTO tpgrade_meta VALUES ('schema', %s) ON CONFLICT (key) DO NOTHING",
                    (SCHEMA_VERSION,),
                )
        except psycopg.Error as exc:
            raise StoreError(f"cannot create the store in {shown_url(url)}: {_first_line(exc)}") from None
        finally:
            db.close()
        return cls(url)

    def close(self) -> None:
        self._db.close()

    # --- connection handling --------------------------------------------------------

    def _again(self, action: Callable[[psycopg.Connection[Any]], T], what: str) -> T:
        """``action`` on the connection, opened again while the server comes back."""
        deadline = time.monotonic() + self.patience
        pause = 0.2
        while True:
            try:
                if self._db.closed or self._db.broken:
                    self._db = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
                return action(self._db)
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"lost the database {self.location} while trying to {what} "
                        f"(still unreachable after {self.patience:g} s): {_first_line(exc)}"
                    ) from None
                time.sleep(pause)
                pause = min(2.0, pause * 2)
            except psycopg.Error as exc:
                raise StoreError(f"cannot {what} in {self.location}: {_first_line(exc)}") from None

    def _write(self, statements: list[Statement]) -> list[int]:
        def write(db: psycopg.Connection[Any]) -> list[int]:
            with db.transaction():
                return [db.execute(_native(sql), params).rowcount for sql, params in statements]

        return self._again(write, "write to the results store")

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return self._again(lambda db: db.execute(_native(sql), params).fetchall(), "read the results store")

    def atomically(self, action: Callable[[psycopg.Connection[Any]], T], what: str) -> T:
        """Run ``action`` in one transaction on this store's connection (again if the
        connection is lost: ``action`` must be safe to repeat)."""

        def run(db: psycopg.Connection[Any]) -> T:
            with db.transaction():
                return action(db)

        return self._again(run, what)

    # --- what only the shared store does ----------------------------------------------

    def record_first(self, result: SubmissionResult) -> bool:
        """Store a worker's result unless one is there already; whether this one was kept."""
        result = bounded(result)
        return self._write([(_FIRST_RESULT, result_row(result))])[0] > 0

    def submission(self, day: str, student: str, submission_hash: str) -> Submission | None:
        rows = self._rows(
            f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE day=? AND student=? AND submission_hash=?",
            (day, student, submission_hash),
        )
        return _submission(rows[0]) if rows else None

    def latest_submissions(self, day: str) -> list[Submission]:
        """Each student's latest handed-in file for ``day``, by student."""
        rows = self._rows(
            f"SELECT {_SUBMISSION_COLUMNS} FROM submissions "
            "JOIN latest USING (day, student, submission_hash) WHERE day=? ORDER BY student",
            (day,),
        )
        return [_submission(row) for row in rows]

    def found(
        self, keys: list[tuple[str, str, str, str]]
    ) -> dict[tuple[str, str, str, str], SubmissionResult]:
        """The stored results among ``keys`` (day, student, submission hash, grader version)."""
        if not keys:
            return {}
        rows = self._rows(
            "SELECT r.result_json FROM results r JOIN unnest(?::text[], ?::text[], ?::text[], ?::text[]) "
            "AS k(day, student, submission_hash, grader_version) USING "
            "(day, student, submission_hash, grader_version)",
            tuple(list(column) for column in zip(*keys, strict=True)),
        )
        results = [parse_result(row[0]) for row in rows]
        return {(r.day, r.student, r.submission_hash, r.grader_version): r for r in results}


_SUBMISSION_COLUMNS = "day, student, submission_hash, file_name, content, participant, modified"


def _submission(row: tuple[Any, ...]) -> Submission:
    day, student, digest, name, content, participant, modified = row
    return Submission(
        str(day), str(student), str(digest), str(name), bytes(content), str(participant), float(modified)
    )


def submission_statement(submission: Submission) -> tuple[bytes, tuple[Any, ...]]:
    """The insert of a handed-in file (kept as it first came: the key is its content)."""
    s = submission
    return (
        b"INSERT INTO submissions VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
        b"ON CONFLICT (day, student, submission_hash) DO UPDATE SET participant = excluded.participant",
        (s.day, s.student, s.submission_hash, s.file_name, s.content, s.participant, s.modified, now()),
    )


def _native(sql: str) -> bytes:
    """The shared SQL with psycopg's placeholders (the shared SQL holds no other ? or %)."""
    return sql.replace("?", "%s").encode()
