"""``tpgrade grade --database``: put a cohort's jobs in the queue and wait for their results.

The intake is the local one; what the local path grades is here written to
the database with its job, and the results come back from it as workers
store them. Nothing of the student's code runs here. Stopping the wait
(Ctrl-C) stops nothing else: the jobs go on, and the same command run again
finds the results stored since and waits for the rest.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import procrastinate

from tpgrade.cluster.jobs import JobOptions, enqueue, failed_jobs, job_lock, queue_state
from tpgrade.cohort.batch import Outcome
from tpgrade.cohort.intake import Candidate, Intake
from tpgrade.cohort.postgres_store import PostgresStore, Submission
from tpgrade.judge.engine import file_hash
from tpgrade.judge.submission import Rejected, check_admissible
from tpgrade.models import SubmissionResult

Key = tuple[str, str, str, str]  # day, student, submission hash, grader version


@dataclass(frozen=True)
class Waiting:
    """Where the queue stands while the coordinator waits."""

    pending: int
    workers_alive: int


@dataclass(frozen=True)
class QueuedRun:
    day: str
    version: str
    kind: str  # cpu or gpu
    options: JobOptions
    regrade: bool = False
    poll: float = 0.2
    stalled_after: float = 15.0  # a worker silent this long is not counted alive


def grade_queued(
    intake: Intake,
    run: QueuedRun,
    store: PostgresStore,
    app: procrastinate.App,
    rejected: Callable[[Candidate, str], SubmissionResult],
    on_done: Callable[[Outcome], None] = lambda outcome: None,
    on_wait: Callable[[Waiting], None] = lambda waiting: None,
) -> list[Outcome]:
    """Every submission's outcome, once a worker has stored it (or found it stored)."""
    outcomes: list[Outcome] = []

    def finish(result: SubmissionResult, cached: bool) -> None:
        outcome = Outcome(result, cached)
        outcomes.append(outcome)
        on_done(outcome)

    for candidate, message in intake.duplicates:
        finish(rejected(candidate, message), False)
    for candidate, message in intake.rejected:
        result = rejected(candidate, message)
        store.save(result)
        finish(result, False)
    pending: dict[Key, Candidate] = {}
    for candidate in intake.candidates:
        try:
            check_admissible(candidate.path)  # before its bytes are read or sent anywhere
        except Rejected as rejection:
            result = rejected(candidate, str(rejection))
            result = result.model_copy(update={"submission_hash": file_hash(candidate.path)})
            store.save(result)
            finish(result, False)
            continue
        content = candidate.path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()  # what file_hash gives, from the bytes in hand
        key = (run.day, candidate.student, digest, run.version)
        found = store.find(*key)
        if found is not None and found.status != "error" and not run.regrade:
            if found.participant != candidate.participant:
                found = found.model_copy(update={"participant": candidate.participant})
                store.save(found)
            else:
                store.mark_latest(found)
            finish(found, True)
            continue
        submission = Submission(
            run.day,
            candidate.student,
            digest,
            candidate.path.name,
            content,
            candidate.participant,
            candidate.path.stat().st_mtime,
        )
        enqueue(store, app, submission, run.version, run.kind, run.options, replace=found is not None)
        pending[key] = candidate
    _wait(pending, run, store, finish, on_wait)
    return outcomes


def _wait(
    pending: dict[Key, Candidate],
    run: QueuedRun,
    store: PostgresStore,
    finish: Callable[[SubmissionResult, bool], None],
    on_wait: Callable[[Waiting], None],
) -> None:
    while pending:
        for key, result in store.found(list(pending)).items():
            candidate = pending.pop(key)
            if result.participant != candidate.participant:
                result = result.model_copy(update={"participant": candidate.participant})
                store.save(result)
            finish(result, False)
        if not pending:
            return
        locks = {job_lock(*key): key for key in pending}
        state = store.atomically(queue_state, "read the queue")
        failed = store.atomically(functools.partial(failed_jobs, locks=list(locks)), "read the queue")
        for lock in failed:
            key = locks[lock]
            if key in pending and store.find(*key) is None:
                pending.pop(key)
                finish(_job_failed(key), False)  # not stored: the next run puts it in again
        on_wait(Waiting(len(pending), state.alive(run.stalled_after)))
        time.sleep(run.poll)


def _job_failed(key: Key) -> SubmissionResult:
    day, student, digest, version = key
    return SubmissionResult(
        student=student,
        day=day,
        status="error",
        message="erreur interne du correcteur (la tâche de correction a échoué) ; signalez-le",
        submission_hash=digest,
        grader_version=version,
    )
