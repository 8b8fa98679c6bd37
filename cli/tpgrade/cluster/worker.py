"""``tpgrade worker``: grading processes that take jobs from the queue, and their supervisor.

Each process takes one job at a time and keeps one sandbox (its zygote, or its
docker connection) for its whole life. The supervisor starts them, starts
again one that died, gives the jobs of dead workers (anywhere) back to the
queue, and stops them all when it is stopped. Processes die with their
supervisor, even when it is killed (``PR_SET_PDEATHSIG``), and their runners
with them.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import multiprocessing
import os
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO, Any

from tpgrade import paths
from tpgrade.cluster.jobs import TASK, JobOptions, course_queues, new_app, parse_queue, publish_versions
from tpgrade.cluster.reaper import reap
from tpgrade.cohort.batch import grade_candidate
from tpgrade.cohort.intake import Candidate
from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.errors import SandboxUnavailable, TpgradeError

EXIT_UNUSABLE = 3  # a process whose sandbox or graders cannot be used: not started again
FIRST_SLOT, LAST_SLOT = 48, 63  # the process sandbox's slots kept for workers (local runs use the first ones)


@dataclass(frozen=True)
class WorkerSpec:
    """How ``tpgrade worker`` was started."""

    url: str
    processes: int = 1
    kind: str = "cpu"  # the queues served: cpu or gpu
    sandbox: str = "auto"
    device: str = "cpu"
    image: str | None = None
    allow_unsandboxed: bool = False
    heartbeat: float = 5.0  # seconds between heartbeats; a worker silent 3 times as long is dead
    days: tuple[str, ...] = field(default=paths.DAYS)

    @property
    def stalled_after(self) -> float:
        return 3 * self.heartbeat


# --- one grading process ------------------------------------------------------------------


def claim_slot() -> tuple[int, IO[str]]:
    """A sandbox slot no other worker process of this host holds (kept while the file is open)."""
    folder = (
        Path("/run/tpgrade-slots") if os.geteuid() == 0 else Path(tempfile.gettempdir()) / "tpgrade-slots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    for slot in range(FIRST_SLOT, LAST_SLOT + 1):
        handle = (folder / f"{slot}.lock").open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return slot, handle
        except BlockingIOError:
            handle.close()
    raise TpgradeError(f"no free sandbox slot on this host ({LAST_SLOT - FIRST_SLOT + 1} worker processes)")


def grading_process(spec: WorkerSpec, number: int) -> None:
    """The body of one worker process: build the sandbox, then take jobs until stopped."""
    from tpgrade.cohort.batch import _die_with_parent
    from tpgrade.judge.engine import GradingConfig, grader_version
    from tpgrade.judge.selftest import self_test
    from tpgrade.sandbox import Limits, choose_sandbox

    _die_with_parent()
    scratch = Path(tempfile.mkdtemp(prefix="tpgrade-worker-"))
    try:
        slot, held = claim_slot()
        sandbox, _ = choose_sandbox(
            spec.sandbox,
            [paths.course_root(), scratch],
            spec.allow_unsandboxed,
            spec.device,
            spec.image,
            paths.preloaded_libraries(*spec.days),
        )
        self_test(sandbox, Limits(), slot)
        store = PostgresStore(spec.url)
    except TpgradeError as exc:
        print(f"worker process {number}: {exc}", file=sys.stderr, flush=True)
        os._exit(EXIT_UNUSABLE)
    versions = {day: grader_version(day) for day in spec.days}
    queues = course_queues(spec.kind)
    app = new_app(spec.url)

    @app.task(name=TASK)
    def grade(
        day: str, student: str, submission_hash: str, grader_version: str, options: dict[str, Any]
    ) -> None:
        if versions.get(day) != grader_version:  # the queues' names keep this from happening
            raise RuntimeError(
                f"job for graders {grader_version} of {day}; this worker has {versions.get(day)}"
            )
        found = store.find(day, student, submission_hash, grader_version)
        if found is not None and found.status != "error":
            return  # graded already (a job run again after its worker died)
        submission = store.submission(day, student, submission_hash)
        if submission is None:
            raise RuntimeError(f"the submission {day}/{student}/{submission_hash} is not in the database")
        folder = scratch / uuid.uuid4().hex
        folder.mkdir()
        path = submission.written(folder)
        chosen = JobOptions.of(options)
        config = GradingConfig(
            day=day,
            tests_dir=paths.graders_dir(day),
            sandbox=sandbox,
            grader_version=grader_version,
            limits=chosen.limits,
            cell_timeout=chosen.cell_timeout,
            seed=chosen.seed,
            slot=slot,
            public_tests_dir=paths.course_public_tests_dir(day) if chosen.public_checks else None,
        )
        try:
            result = grade_candidate(Candidate(student, path), config)
        except TpgradeError as exc:  # the sandbox or the graders: every job would fail alike
            print(f"worker process {number}: {exc}", file=sys.stderr, flush=True)
            sandbox.abandon()
            os._exit(EXIT_UNUSABLE)  # the job stays taken; the reaper gives it to another worker
        finally:
            path.unlink(missing_ok=True)
            folder.rmdir()
        key = {
            "submission_hash": submission_hash,
            "grader_version": grader_version,
        }  # what the coordinator awaits
        store.record_first(result.model_copy(update={**key, "participant": submission.participant}))

    try:
        app.run_worker(
            queues=list(queues.values()),
            concurrency=1,
            name=f"{socket.gethostname()}:{os.getpid()}",
            update_heartbeat_interval=spec.heartbeat,
            stalled_worker_timeout=spec.stalled_after,
            listen_notify=True,
            fetch_job_polling_interval=1.0,
            install_signal_handlers=True,
        )
    finally:
        sandbox.close()
        store.close()
        held.close()
        with contextlib.suppress(OSError):
            scratch.rmdir()


# --- the supervisor -------------------------------------------------------------------------


def other_versions_waiting(url: str, kind: str, queues: dict[str, str]) -> list[str]:
    """One line per queue of this kind with jobs for graders this worker does not hold (and an
    unusable database said, as a :class:`StoreError`, before anything starts)."""
    store = PostgresStore(url)
    try:
        rows = store.atomically(
            lambda db: db.execute(
                b"SELECT queue_name, count(*) FROM procrastinate_jobs WHERE status = 'todo' GROUP BY queue_name"
            ).fetchall(),
            "read the queue",
        )
    finally:
        store.close()
    lines = []
    for name, count in rows:
        parsed = parse_queue(str(name))
        if parsed is None or parsed[0] != kind or str(name) in queues.values():
            continue
        _, day, version = parsed
        lines.append(
            f"{count} job(s) of {day} wait for graders {version}; this worker holds "
            f"{queues.get(day, 'no such day').rsplit('.', 1)[-1]}: it leaves them to a worker with that course"
        )
    return lines


def serve(spec: WorkerSpec, say: Callable[[str], None]) -> int:
    """Run the worker until SIGTERM or SIGINT; the exit code."""
    queues = course_queues(spec.kind)
    store = PostgresStore(spec.url)
    try:
        publish_versions(store, spec.kind, queues)
    finally:
        store.close()
    for line in other_versions_waiting(spec.url, spec.kind, queues):
        say(line)
    say(f"serving {spec.kind} queues for {', '.join(spec.days)} with {spec.processes} process(es)")
    context = multiprocessing.get_context("spawn")
    processes: dict[int, BaseProcess] = {}
    stopping: list[int] = []

    def start(number: int) -> None:
        process = context.Process(target=grading_process, args=(spec, number), daemon=False)
        process.start()
        processes[number] = process

    def stop(signum: int, frame: Any) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for number in range(1, spec.processes + 1):
        start(number)
    app = new_app(spec.url)
    try:
        while not stopping:
            for number, process in list(processes.items()):
                if process.is_alive():
                    continue
                del processes[number]
                if process.exitcode == EXIT_UNUSABLE:
                    say(f"worker process {number} cannot grade here: not started again")
                else:
                    say(f"worker process {number} stopped (exit {process.exitcode}): starting it again")
                    start(number)
            if not processes:
                say("no worker process can grade here: stopping")
                return SandboxUnavailable.exit_code
            with contextlib.suppress(Exception):  # a database away for a while: try at the next turn
                for line in asyncio.run(reap(app, spec.url, spec.stalled_after)):
                    say(line)
            deadline = time.monotonic() + spec.heartbeat
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        for process in processes.values():
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)  # a process finishes its job, then stops
        for process in processes.values():
            process.join()
    return 130 if stopping and stopping[0] == signal.SIGINT else 0
