"""What the instructor's pages and API do: the cohort at a glance (and the workers heard
from), adjustments, re-grading, releasing the scores, downloads.

All of it reads and writes the shared store and queue, as the command line
does on the same database: an adjustment made here is the one ``tpgrade
report --database`` applies, and the other way round. A re-grade puts the
students' latest submissions back in the queue under the graders' version the
workers announce, at a lower priority than the students' own hand-ins.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import procrastinate
import psycopg

from tpgrade.cluster.jobs import JobOptions, QueueState, enqueue_in, published_versions, queue_state
from tpgrade.cohort.adjustments import apply_adjustments, decide
from tpgrade.cohort.latepolicy import apply_policy
from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.errors import InputError
from tpgrade.models import SubmissionResult
from tpgrade.reports.exports import write_moodle_csv
from tpgrade.reports.gradebook import question_names, write_gradebook
from tpgrade.reports.jsonexport import as_json
from tpgrade.service.policy import rules_of
from tpgrade.service.status import ALIVE_WITHIN_S

REGRADE_PRIORITY = 0  # below a student's hand-in (10): fresh submissions go first


@dataclass(frozen=True)
class CohortRow:
    student: str
    email: str
    submissions: int
    last_hand_in: datetime | None
    pending: int  # hand-ins not graded yet
    result: SubmissionResult | None  # the current one, adjustments applied
    passback: str | None = None  # where its score stands on the LMS (LTI), said in French


@dataclass(frozen=True)
class Cohort:
    day: str
    rows: list[CohortRow]
    questions: list[str]
    state: QueueState
    held: bool  # scores kept from the students until released
    released_at: datetime | None
    workers: list[Heartbeat]


@dataclass(frozen=True)
class Heartbeat:
    """A worker the queue knows, and when it last said it was alive."""

    id: int
    last_heartbeat: datetime
    alive: bool  # heard from within the last ALIVE_WITHIN_S seconds


def heartbeats(db: psycopg.Connection[Any]) -> list[Heartbeat]:
    rows = db.execute(
        b"SELECT id, last_heartbeat, last_heartbeat > now() - make_interval(secs => %s) "
        b"FROM procrastinate_workers ORDER BY last_heartbeat DESC, id",
        (ALIVE_WITHIN_S,),
    ).fetchall()
    return [Heartbeat(int(ident), beat, bool(alive)) for ident, beat, alive in rows]


def passback_states(db: psycopg.Connection[Any], day: str) -> dict[str, str]:
    """Each LTI student's score on the platform's side, in a few French words."""
    rows = db.execute(
        b"SELECT a.student, o.status, o.score_given, o.score_maximum, o.sent_at, o.attempts, o.last_error "
        b"FROM lti_outbox o JOIN accounts a ON a.id = o.account WHERE o.day = %s",
        (day,),
    ).fetchall()
    said = {}
    for student, status, given, maximum, sent_at, attempts, error in rows:
        if status == "sent":
            said[str(student)] = f"{given:g}/{maximum:g} envoyée le {sent_at:%Y-%m-%d %H:%M} UTC"
        elif status == "pending":
            said[str(student)] = f"{given:g}/{maximum:g} à envoyer" + (
                f" ({attempts} essai(s) : {error})" if attempts else ""
            )
        else:
            said[str(student)] = f"échec après {attempts} essai(s) : {error}"
    return said


def adjusted_latest(store: PostgresStore, day: str) -> list[SubmissionResult]:
    """Each student's current result of ``day``: adjustments, then the late policy, applied."""
    results, _ = apply_adjustments(store.latest(day), store.adjustments(day))
    _, late = store.atomically(lambda db: rules_of(db, day), "read the day's rules")
    return results if late is None else apply_policy(results, late)


def cohort(store: PostgresStore, day: str, sort: str = "student", find: str = "") -> Cohort:
    """Every student account with its hand-ins and current result for ``day``."""
    results = {result.student: result for result in adjusted_latest(store, day)}

    def read(
        db: psycopg.Connection[Any],
    ) -> tuple[list[tuple[Any, ...]], QueueState, tuple[bool, datetime | None], list[Heartbeat]]:
        rows = db.execute(
            b"SELECT a.student, a.email, count(w.id), max(w.received_at), "
            b"count(w.id) FILTER (WHERE w.rejection = '' AND r.status IS NULL) "
            b"FROM accounts a LEFT JOIN web_submissions w ON w.account = a.id AND w.day = %s "
            b"LEFT JOIN results r ON r.day = w.day AND r.student = w.student "
            b"AND r.submission_hash = w.submission_hash AND r.grader_version = w.grader_version "
            b"WHERE a.role = 'student' GROUP BY a.student, a.email",
            (day,),
        ).fetchall()
        return rows, queue_state(db), release_state(db, day), heartbeats(db)

    rows, state, (held, released_at), workers = store.atomically(read, "read the cohort")
    passback = store.atomically(lambda db: passback_states(db, day), "read the LTI passback")
    found = [
        CohortRow(
            str(student),
            str(email),
            int(count),
            last,
            int(pending),
            results.pop(str(student), None),
            passback.get(str(student)),
        )
        for student, email, count, last, pending in rows
    ]
    # Students graded from the command line, without an account here, are part of the cohort too.
    found += [CohortRow(student, "", 0, None, 0, result) for student, result in results.items()]
    needle = find.casefold().strip()
    if needle:
        found = [row for row in found if needle in row.student.casefold() or needle in row.email.casefold()]
    found.sort(key=_sort_key(sort))
    names = question_names([row.result for row in found if row.result is not None])
    return Cohort(day, found, names, state, held, released_at, workers)


def _sort_key(sort: str) -> Any:
    if sort == "score":
        return lambda row: (-(row.result.score if row.result else -1.0), row.student.casefold())
    if sort == "last":
        return lambda row: (
            row.last_hand_in is None,
            -(row.last_hand_in.timestamp() if row.last_hand_in else 0),
        )
    if sort == "submissions":
        return lambda row: (-row.submissions, row.student.casefold())
    return lambda row: row.student.casefold()


def adjust(
    store: PostgresStore,
    day: str,
    student: str,
    question: str,
    points: float | None,
    comment: str,
    author: str,
) -> str:
    """Record (or with ``points`` None, clear) an adjustment; what was done, in a sentence."""
    if points is None:
        if not store.clear_adjustment(day, student, question):
            raise InputError(f"no adjustment of {student} / {question} to clear")
        return f"ajustement de {student} / {question} retiré"
    current = {result.student: result for result in store.latest(day)}.get(student)
    if current is None:
        raise InputError(f"{student} has no graded submission for {day}")
    store.save_adjustment(decide(current, question, points, comment, author))
    return f"{student} / {question} : {points:g} point(s)"


def regrade(
    store: PostgresStore, app: procrastinate.App, day: str, kind: str, student: str | None = None
) -> int:
    """Put the latest submission of ``student`` (or of everyone) back in the queue; how many."""
    submissions = [s for s in store.latest_submissions(day) if student is None or s.student == student]
    if student is not None and not submissions:
        raise InputError(f"{student} has no submission for {day}")

    def write(db: psycopg.Connection[Any]) -> int:
        version = published_versions(db, kind).get(day)
        if not version:
            raise InputError(f"no worker holds the graders of {day}: start one (tpgrade worker) first")
        queued = 0
        options = JobOptions(public_checks=not scores_visible(db, day))  # what held scores leave shown
        for submission in submissions:
            queued += enqueue_in(db, app, submission, version, kind, options, True, REGRADE_PRIORITY)
            db.execute(
                b"UPDATE web_submissions SET grader_version = %s WHERE day = %s AND student = %s "
                b"AND submission_hash = %s AND rejection = ''",
                (version, day, submission.student, submission.submission_hash),
            )
        return queued

    return store.atomically(write, "put the re-grading jobs in")


def release_state(db: psycopg.Connection[Any], day: str) -> tuple[bool, datetime | None]:
    """(scores held back from the students, when they were released)."""
    row = db.execute(b"SELECT held, released_at FROM day_releases WHERE day = %s", (day,)).fetchone()
    if row is None:  # the instructor has not chosen: the course file's choice
        rules, _ = rules_of(db, day)
        return rules.scores == "on_release", None
    return bool(row[0]), row[1]


def set_release(db: psycopg.Connection[Any], day: str, held: bool, released: bool) -> None:
    """Hold a day's scores until release, show them at once, or release them now."""
    db.execute(
        b"INSERT INTO day_releases VALUES (%s, %s, CASE WHEN %s THEN now() END) ON CONFLICT (day) DO UPDATE "
        b"SET held = excluded.held, released_at = excluded.released_at",
        (day, held, released),
    )


def scores_visible(db: psycopg.Connection[Any], day: str) -> bool:
    held, released_at = release_state(db, day)
    return not held or released_at is not None


def download(store: PostgresStore, day: str, kind: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the gradebook, the Moodle CSV or the results JSON."""
    import json

    results = adjusted_latest(store, day)
    if kind == "results.json":
        text = json.dumps(as_json(results), indent=2, ensure_ascii=False) + "\n"
        return text.encode(), "application/json", f"results_{day}.json"
    writers = {"gradebook.csv": (write_gradebook, "gradebook"), "moodle.csv": (write_moodle_csv, "moodle")}
    if kind not in writers:
        raise InputError(f"unknown download {kind!r}")
    writer, stem = writers[kind]
    with tempfile.TemporaryDirectory(prefix="tpgrade-download-") as folder:
        path = writer(results, Path(folder) / f"{stem}_{day}.csv")
        return path.read_bytes(), "text/csv; charset=utf-8", path.name
