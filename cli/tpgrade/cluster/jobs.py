"""The job queue: the Procrastinate app, the queues' names, and putting a job in.

A queue is named after the kind of machine (``cpu`` or ``gpu``), the day and
the graders' version: a worker listens only to the queues of the course it
holds, so a job is never taken by a worker that would grade it otherwise.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import procrastinate
import psycopg
from procrastinate import exceptions as procrastinate_errors

from tpgrade import paths
from tpgrade.cohort.postgres_store import PostgresStore, Submission, connect, shown_url, submission_statement
from tpgrade.errors import StoreError
from tpgrade.sandbox import Limits

TASK = "tpgrade.grade"
KINDS = {"cpu": "cpu", "cuda": "gpu"}  # --device -> the queue's kind


@dataclasses.dataclass(frozen=True)
class JobOptions:
    """What a grading run decides for each submission, carried by its job to the worker."""

    cell_timeout: float = 30.0
    seed: int | None = None
    limits: Limits = dataclasses.field(default_factory=Limits)
    public_checks: bool = False  # also run the public tests (the service, while scores are held)

    def arguments(self) -> dict[str, Any]:
        return {
            "cell_timeout": self.cell_timeout,
            "seed": self.seed,
            "limits": dataclasses.asdict(self.limits),
            "public_checks": self.public_checks,
        }

    @classmethod
    def of(cls, arguments: dict[str, Any]) -> JobOptions:
        return cls(
            arguments["cell_timeout"],
            arguments["seed"],
            Limits(**arguments["limits"]),
            bool(arguments.get("public_checks", False)),  # a job queued before the option existed
        )


def queue_name(kind: str, day: str, version: str) -> str:
    return f"{kind}.{day}.{version}"


def parse_queue(name: str) -> tuple[str, str, str] | None:
    """(kind, day, version) of a tpgrade queue; None for another queue."""
    parts = name.split(".")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


def new_app(url: str) -> procrastinate.App:
    """The Procrastinate app on ``url``; tasks are registered by the worker that runs them."""
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=4))


def job_lock(day: str, student: str, submission_hash: str, version: str) -> str:
    """At most one job waiting per submission and graders' version."""
    return f"{day}/{student}/{submission_hash}/{version}"


def enqueue(
    store: PostgresStore,
    app: procrastinate.App,
    submission: Submission,
    version: str,
    kind: str,
    options: JobOptions,
    replace: bool,
    priority: int = 0,
) -> bool:
    """Write the submission, make it its student's current one and put its job in, in one
    transaction; False when a job for it was already waiting or running. With ``replace``,
    the result stored for it (graded again, or an error to try again) goes."""
    try:
        return store.atomically(
            lambda db: enqueue_in(db, app, submission, version, kind, options, replace, priority),
            "put the submission and its job in",
        )
    except procrastinate_errors.AlreadyEnqueued:
        return False  # another coordinator put the same job in a moment ago


def enqueue_in(
    db: psycopg.Connection[Any],
    app: procrastinate.App,
    submission: Submission,
    version: str,
    kind: str,
    options: JobOptions,
    replace: bool,
    priority: int = 0,
) -> bool:
    """:func:`enqueue` inside the caller's transaction on ``db`` (which may write more with it).
    A job of higher ``priority`` is taken first (students' hand-ins before a re-grade)."""
    lock = job_lock(submission.day, submission.student, submission.submission_hash, version)
    key = (submission.day, submission.student, submission.submission_hash, version)
    db.execute(*submission_statement(submission))
    db.execute(
        b"INSERT INTO latest VALUES (%s, %s, %s, %s) ON CONFLICT (day, student) DO UPDATE SET "
        b"submission_hash = excluded.submission_hash, grader_version = excluded.grader_version",
        key,
    )
    pending = db.execute(
        b"SELECT 1 FROM procrastinate_jobs WHERE queueing_lock = %s AND status IN ('todo', 'doing') "
        b"UNION ALL SELECT 1 FROM procrastinate_jobs WHERE lock = %s AND status = 'doing'",
        (lock, lock),
    ).fetchone()
    if pending is not None:
        return False
    if replace:
        db.execute(
            b"DELETE FROM results WHERE day=%s AND student=%s AND submission_hash=%s AND grader_version=%s",
            key,
        )
    task = app.configure_task(
        TASK,
        queue=queue_name(kind, submission.day, version),
        lock=lock,
        queueing_lock=lock,
        priority=priority,
        connection=db,  # the job goes in with the submission, in this transaction
    )
    task.defer(
        day=submission.day,
        student=submission.student,
        submission_hash=submission.submission_hash,
        grader_version=version,
        options=options.arguments(),
    )
    return True


def init_database(url: str) -> list[str]:
    """Create the store's tables and the queue's schema where missing; what was created."""
    created = []
    with connect(url) as db:  # unreachable, refused, missing: one line
        has_store = db.execute(b"SELECT to_regclass('tpgrade_meta') IS NOT NULL").fetchone()
        has_queue = db.execute(b"SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
    PostgresStore.create(url).close()
    if not (has_store and has_store[0]):
        created.append("the results store")
    if not (has_queue and has_queue[0]):
        app = new_app(url)
        try:
            with app.open():
                app.schema_manager.apply_schema()
        except procrastinate_errors.ConnectorException as exc:
            raise StoreError(f"cannot create the job queue in {shown_url(url)}: {exc}") from None
        created.append("the job queue")
    return created


COURSE_VERSIONS = b"""CREATE TABLE IF NOT EXISTS course_versions (
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, day)
)"""


def publish_versions(store: PostgresStore, kind: str, queues: dict[str, str]) -> None:
    """Say which graders' version this worker grades each day with: a web front without the
    course puts a student's hand-in in the queue of the version the workers hold."""

    def write(db: psycopg.Connection[Any]) -> None:
        db.execute(COURSE_VERSIONS)
        for day, queue in queues.items():
            db.execute(
                b"INSERT INTO course_versions VALUES (%s, %s, %s, now()) ON CONFLICT (kind, day) DO UPDATE "
                b"SET grader_version = excluded.grader_version, published_at = excluded.published_at",
                (kind, day, queue.rsplit(".", 1)[-1]),
            )

    store.atomically(write, "publish the graders' versions")


def published_versions(db: psycopg.Connection[Any], kind: str) -> dict[str, str]:
    """Day -> the graders' version the workers of ``kind`` announced last."""
    if db.execute(b"SELECT to_regclass('course_versions') IS NULL").fetchone() == (True,):
        return {}
    rows = db.execute(b"SELECT day, grader_version FROM course_versions WHERE kind = %s", (kind,)).fetchall()
    return {str(day): str(version) for day, version in rows}


def course_queues(kind: str) -> dict[str, str]:
    """The queue of each day of the course held here, for a worker of ``kind``."""
    from tpgrade.judge.engine import grader_version

    return {day: queue_name(kind, day, grader_version(day)) for day in paths.DAYS}


@dataclasses.dataclass(frozen=True)
class QueueState:
    """The queue at a glance: jobs per state and the workers heard from lately."""

    jobs: dict[str, int]
    queues: dict[str, dict[str, int]]  # queue -> state -> count
    workers: list[tuple[int, float]]  # (worker id, seconds since its heartbeat)

    def alive(self, within: float) -> int:
        return sum(age <= within for _, age in self.workers)


def queue_state(db: psycopg.Connection[Any]) -> QueueState:
    rows = db.execute(
        b"SELECT queue_name, status::text, count(*) FROM procrastinate_jobs GROUP BY queue_name, status"
    ).fetchall()
    jobs: dict[str, int] = {}
    queues: dict[str, dict[str, int]] = {}
    for queue, status, count in rows:
        jobs[str(status)] = jobs.get(str(status), 0) + int(count)
        queues.setdefault(str(queue), {})[str(status)] = int(count)
    workers = db.execute(
        b"SELECT id, extract(epoch FROM now() - last_heartbeat) FROM procrastinate_workers ORDER BY id"
    ).fetchall()
    return QueueState(jobs, queues, [(int(w), float(age)) for w, age in workers])


def failed_jobs(db: psycopg.Connection[Any], locks: list[str]) -> set[str]:
    """Those of ``locks`` whose last job ended failed (a fault of tpgrade, not of the student)."""
    rows = db.execute(
        b"SELECT DISTINCT ON (lock) lock, status::text FROM procrastinate_jobs WHERE lock = ANY(%s) "
        b"ORDER BY lock, id DESC",
        (locks,),
    ).fetchall()
    return {str(lock) for lock, status in rows if status == "failed"}
