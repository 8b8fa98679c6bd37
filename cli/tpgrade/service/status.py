"""Where a hand-in stands, read from the queue and the store, always with its owner.

Every lookup names the account it is made for: a submission id of another
account is the same "not found" as an id that does not exist, so an id tells
nothing about anyone else's work.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

import psycopg

from tpgrade.cluster.jobs import job_lock
from tpgrade.cohort.store import parse_result
from tpgrade.models import QuestionStatus, SubmissionResult

State = Literal["queued", "running", "graded", "rejected", "system_error"]
DEFAULT_GRADING_S = 5.0  # the estimate's grading time before any result of the day is known
ALIVE_WITHIN_S = 30.0


@dataclass(frozen=True)
class HandIn:
    """One upload as its owner sees it."""

    id: str
    day: str
    student: str
    sha256: str
    grader_version: str
    file_name: str
    size: int
    received_at: datetime
    rejection: str
    receipt: str  # the signed receipt (JWS) given at the upload
    state: State
    result: SubmissionResult | None = None
    position: int | None = None  # jobs to be taken before this one (queued only)
    estimate_s: float | None = None  # seconds until its feedback, roughly (queued or running)
    superseded: bool = False  # a later upload of the same day is the one that counts
    held: bool = False  # graded, but its scores wait for the instructor's release
    days_late: int = 0  # after the day's due time, by the receipt's time
    public: dict[str, QuestionStatus] = field(default_factory=dict)  # public tests' verdicts, if held


_COLUMNS = (
    b"SELECT w.id, w.day, w.student, w.submission_hash, w.grader_version, w.file_name, w.size, "
    b"w.received_at, w.rejection, w.receipt, r.status, r.result_json, l.submission_hash "
    b"FROM web_submissions w "
    b"LEFT JOIN results r ON r.day = w.day AND r.student = w.student "
    b"AND r.submission_hash = w.submission_hash AND r.grader_version = w.grader_version "
    b"LEFT JOIN latest l ON l.day = w.day AND l.student = w.student "
)


def hand_in_of(db: psycopg.Connection[Any], account: str, submission_id: str) -> HandIn | None:
    """The upload ``submission_id`` if ``account`` made it; None otherwise (whoever made it)."""
    row = db.execute(_COLUMNS + b"WHERE w.id = %s AND w.account = %s", (submission_id, account)).fetchone()
    return _with_queue(db, _hand_in(row)) if row else None


def history(db: psycopg.Connection[Any], account: str, day: str | None = None) -> list[HandIn]:
    """``account``'s uploads, newest first (of ``day`` only when given), the pending ones with
    their queue figures."""
    if day is None:
        rows = db.execute(_COLUMNS + b"WHERE w.account = %s ORDER BY w.received_at DESC", (account,))
    else:
        rows = db.execute(
            _COLUMNS + b"WHERE w.account = %s AND w.day = %s ORDER BY w.received_at DESC", (account, day)
        )
    return _with_queues(db, [_hand_in(row) for row in rows.fetchall()])


def student_history(db: psycopg.Connection[Any], student: str, day: str) -> list[HandIn]:
    """A student's uploads of ``day``, newest first, for the instructor (no queue figures)."""
    rows = db.execute(
        _COLUMNS + b"WHERE w.student = %s AND w.day = %s ORDER BY w.received_at DESC", (student, day)
    ).fetchall()
    return [_hand_in(row) for row in rows]


def _hand_in(row: tuple[Any, ...]) -> HandIn:
    (
        ident,
        day,
        student,
        digest,
        version,
        name,
        size,
        received,
        rejection,
        receipt,
        status,
        result_json,
        latest,
    ) = row
    result = parse_result(str(result_json)) if result_json is not None else None
    state: State
    if rejection:
        state = "rejected"
    elif status is None:
        state = "queued"  # refined from the queue by _with_queue
    elif status == "error":
        state = "system_error"
    else:
        state = "graded"  # graded, or refused by grading itself (unreadable notebook…): feedback says
    return HandIn(
        str(ident),
        str(day),
        str(student),
        str(digest),
        str(version),
        str(name),
        int(size),
        received,
        str(rejection),
        str(receipt),
        state,
        result,
        superseded=not rejection and latest is not None and latest != digest,
    )


def _with_queue(db: psycopg.Connection[Any], item: HandIn) -> HandIn:
    return _with_queues(db, [item])[0]


def hand_ins(db: psycopg.Connection[Any], ids: list[str]) -> dict[str, HandIn]:
    """Many uploads at once, by id, with their queue figures (a live page's poll: a few
    queries whatever the number of ids). No owner check: the caller checked it."""
    rows = db.execute(_COLUMNS + b"WHERE w.id = ANY(%s)", (ids,)).fetchall()
    return {item.id: item for item in _with_queues(db, [_hand_in(row) for row in rows])}


def _with_queues(db: psycopg.Connection[Any], items: list[HandIn]) -> list[HandIn]:
    """``items`` with the queue's view of the pending ones: running, or queued with a position."""
    locks = {
        item.id: job_lock(item.day, item.student, item.sha256, item.grader_version)
        for item in items
        if item.state in ("queued", "running")
    }
    if not locks:
        return items
    jobs = {
        str(lock): (int(job_id), str(status), str(queue))
        for lock, job_id, status, queue in db.execute(
            b"SELECT DISTINCT ON (lock) lock, id, status::text, queue_name FROM procrastinate_jobs "
            b"WHERE lock = ANY(%s) ORDER BY lock, id DESC",
            (list(locks.values()),),
        ).fetchall()
    }
    waiting = [job_id for job_id, status, _ in jobs.values() if status == "todo"]
    ahead: dict[int, int] = {}
    if waiting:
        queues = sorted({queue for _, status, queue in jobs.values() if status == "todo"})
        ahead = {
            int(job_id): int(count)
            for job_id, count in db.execute(
                b"SELECT id, ahead FROM (SELECT id, row_number() OVER (PARTITION BY queue_name "
                b"ORDER BY priority DESC, id) - 1 AS ahead FROM procrastinate_jobs "
                b"WHERE status = 'todo' AND queue_name = ANY(%s)) ranked WHERE id = ANY(%s)",
                (queues, waiting),
            ).fetchall()
        }
    days = {item.day for item in items if item.id in locks}
    grading = {day: median_grading_s(db, day) for day in days}
    workers = max(1, alive_workers(db))
    placed = []
    for item in items:
        job = jobs.get(locks[item.id]) if item.id in locks else None
        if job is None:
            placed.append(item)
            continue
        job_id, status, _ = job
        grading_s = grading[item.day]
        if status == "doing":
            placed.append(replace(item, state="running", position=0, estimate_s=grading_s))
        elif status == "failed":
            placed.append(replace(item, state="system_error"))
        elif status == "todo":
            position = ahead.get(job_id, 0)
            estimate = (position // workers + 1) * grading_s
            placed.append(replace(item, position=position, estimate_s=estimate))
        else:
            placed.append(item)
    return placed


def median_grading_s(db: psycopg.Connection[Any], day: str) -> float:
    """The median grading time of the day's last 50 results (a default before the first)."""
    row = db.execute(
        b"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FROM (SELECT "
        b"(result_json::jsonb -> 'timings' ->> 'total_s')::float AS seconds FROM results "
        b"WHERE day = %s AND status <> 'error' ORDER BY graded_at DESC LIMIT 50) recent",
        (day,),
    ).fetchone()
    return float(row[0]) if row and row[0] is not None and row[0] > 0 else DEFAULT_GRADING_S


def alive_workers(db: psycopg.Connection[Any]) -> int:
    row = db.execute(
        b"SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > now() - make_interval(secs => %s)",
        (ALIVE_WITHIN_S,),
    ).fetchone()
    return int(row[0]) if row else 0
