"""Grading a cohort, resumably through the store, with parallel workers.

Each worker is a process of its own (pytest, which the judge runs, keeps
global state) with its own sandbox and slot; the main process looks up the
store, hands out submissions and writes each result as it arrives, so a run
killed at any moment keeps everything finished and a re-run grades the rest.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tpgrade.cohort.intake import Candidate, Intake, from_files
from tpgrade.cohort.store import Store
from tpgrade.errors import StoreError, TpgradeError
from tpgrade.judge.engine import GradingConfig, file_hash, grade_file, rejected_result
from tpgrade.models import LoadReport, SubmissionResult
from tpgrade.paths import ALWAYS_PRELOADED
from tpgrade.sandbox import Limits, RunnerProcess, Sandbox


@dataclass(frozen=True)
class Outcome:
    result: SubmissionResult
    cached: bool


@dataclass(frozen=True)
class SandboxSpec:
    """How a worker builds its own sandbox (sandboxes hold processes and connections)."""

    name: str
    hidden: tuple[Path, ...]
    allow_none: bool
    device: str = "cpu"
    image: str | None = None
    preload: tuple[str, ...] = ALWAYS_PRELOADED


def grade_candidate(candidate: Candidate, config: GradingConfig) -> SubmissionResult:
    """Grade one file. A fault of tpgrade itself on it becomes an ``error`` result: stored
    (reports show it), tried again by the next run, and it does not stop the batch."""
    try:
        return grade_file(candidate.path, config, candidate.student)
    except TpgradeError:
        raise  # the graders or the sandbox are unusable: every file would fail alike
    except Exception as exc:
        message = f"erreur interne du correcteur ({type(exc).__name__}: {str(exc)[:300]}) ; signalez-le"
        try:
            digest = file_hash(candidate.path)
        except OSError:
            digest = ""
        error = rejected_result(config, candidate.path, digest, message, candidate.student)
        return error.model_copy(update={"status": "error"})


# --- worker processes ------------------------------------------------------------------

_WORKER: dict[str, Any] = {}
PR_SET_PDEATHSIG = 1


def _stop(signum: int, frame: Any) -> None:
    """SIGTERM: release the sandbox (warm runners, containers) and end now.

    Raising SystemExit instead would not do: the pool's worker loop catches every
    exception of a task and then waits for more work, from a main process that
    may be gone. A cold runner dies with its worker (``--die-with-parent``).
    """
    config = _WORKER.get("config")
    if config is not None:
        with contextlib.suppress(Exception):
            config.sandbox.abandon()
    os._exit(128 + signum)


def _die_with_parent() -> None:
    """Ask Linux for SIGTERM when the main process dies (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _start_worker(config: GradingConfig, spec: SandboxSpec, slots: Any) -> None:
    from tpgrade.sandbox import choose_sandbox

    signal.signal(signal.SIGTERM, _stop)
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides; it sends SIGTERM
    sandbox, _ = choose_sandbox(
        spec.name, list(spec.hidden), spec.allow_none, spec.device, spec.image, spec.preload
    )
    _WORKER["config"] = replace(config, sandbox=sandbox, slot=int(slots.get()))
    import atexit

    atexit.register(sandbox.close)


def _grade_in_worker(candidate: Candidate) -> SubmissionResult:
    return grade_candidate(candidate, _WORKER["config"])


def _parallel(
    todo: list[Candidate], config: GradingConfig, spec: SandboxSpec, workers: int
) -> Iterator[tuple[Candidate, SubmissionResult]]:
    """Results as they come, from ``workers`` processes; a broken pool is replaced once."""
    context = multiprocessing.get_context("spawn")
    pending = list(todo)
    for attempt in range(2):
        slots = context.Queue()
        for index in range(workers):
            slots.put(config.slot + 1 + index + attempt * workers)
        placeholder = replace(config, sandbox=_NoLaunch())
        executor = ProcessPoolExecutor(workers, context, _start_worker, (placeholder, spec, slots))
        futures: dict[Future[SubmissionResult], Candidate] = {}
        finished = False
        try:
            futures = {executor.submit(_grade_in_worker, c): c for c in pending}
            remaining = set(futures)
            while remaining:
                done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                for future in done:
                    candidate = futures[future]
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        continue
                    pending.remove(candidate)
                    yield candidate, result
            finished = True
        except BrokenProcessPool:
            pass
        finally:
            if finished:
                executor.shutdown(wait=True)
            else:  # interrupted, failed, or a worker died: stop them all now
                _stop_workers(executor)
        if finished:
            return
    for candidate in pending:
        message = "erreur interne du correcteur (le processus de correction s'est arrêté)"
        error = rejected_result(config, candidate.path, "", message, candidate.student)
        yield candidate, error.model_copy(update={"status": "error"})  # not stored: tried again next run


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    processes = list(getattr(executor, "_processes", {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            if process.is_alive():
                process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=30)


class _NoLaunch(Sandbox):
    """Stands for the sandbox in the configuration sent to workers, which build their own."""

    name = "pending"
    isolated = True

    def launch(self, limits: Limits, slot: int = 0) -> RunnerProcess:
        raise RuntimeError("a worker must build its own sandbox")


# --- the batch ---------------------------------------------------------------------------


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def grade_all(
    submissions: list[Path] | Intake,
    config: GradingConfig,
    store: Store,
    on_done: Callable[[Outcome], None] = lambda outcome: None,
    regrade: bool = False,
    workers: int = 1,
    spec: SandboxSpec | None = None,
) -> list[Outcome]:
    """Grade every submission not graded yet with these graders; each result is stored at once.

    With ``workers`` > 1 (and the ``spec`` to build their sandboxes), grading
    runs in that many processes; results arrive in completion order.
    """
    intake = submissions if isinstance(submissions, Intake) else from_files(submissions)
    outcomes: list[Outcome] = []

    def finish(candidate: Candidate, outcome: Outcome, keep: bool) -> None:
        result = outcome.result
        if result.participant != candidate.participant:
            # Who the student is in Moodle comes from the intake, never from the id.
            result = result.model_copy(update={"participant": candidate.participant})
            keep = keep or outcome.cached
        if keep:
            result = _save(store, result)
        outcome = Outcome(result, outcome.cached)
        outcomes.append(outcome)
        on_done(outcome)

    def refused(candidate: Candidate, message: str) -> Outcome:
        return Outcome(rejected_result(config, candidate.path, "", message, candidate.student), False)

    for candidate, message in intake.duplicates:
        finish(candidate, refused(candidate, message), False)
    for candidate, message in intake.rejected:
        finish(candidate, refused(candidate, message), True)
    todo: list[Candidate] = []
    for candidate in intake.candidates:
        found = None if regrade else _stored(store, config, candidate)
        if found is not None:
            store.mark_latest(found)
            finish(candidate, Outcome(found, cached=True), False)
        else:
            todo.append(candidate)
    if workers > 1 and spec is not None and len(todo) > 1:
        for candidate, result in _parallel(todo, config, spec, min(workers, len(todo))):
            keep = bool(result.submission_hash) or result.status != "error"
            finish(candidate, Outcome(result, cached=False), keep)
    else:
        for candidate in todo:
            finish(candidate, Outcome(grade_candidate(candidate, config), cached=False), True)
    return outcomes


def _save(store: Store, result: SubmissionResult) -> SubmissionResult:
    """Store ``result``; one that cannot be stored as it is (whatever it holds) is replaced by
    an error result that can, so that the batch goes on. A store that refuses even that
    is broken: :class:`StoreError`."""
    try:
        store.save(result)
        return result
    except StoreError as exc:
        message = f"erreur interne du correcteur : résultat impossible à enregistrer ({str(exc)[:200]})"
        fallback = result.model_copy(
            update={"status": "error", "message": message, "questions": {}, "load": LoadReport()}
        )
        store.save(fallback)
        return fallback


def _stored(store: Store, config: GradingConfig, candidate: Candidate) -> SubmissionResult | None:
    try:
        digest = file_hash(candidate.path)
    except OSError:
        return None
    found = store.find(config.day, candidate.student, digest, config.grader_version)
    return None if found is None or found.status == "error" else found
