"""Grading a cohort of answer sheets into the store, and what waits for review.

Like the TPs' batch: each sheet's result is stored as soon as it is graded, so
a run stopped at any moment keeps what it finished, and a run again finds in
the store every sheet already graded with this paper and bank (same file,
same questions) and grades only the rest. Sheets are graded in worker
processes when there are several; a sheet on which tpgrade itself fails
becomes an ``error`` result (stored, shown, and graded again next run), and
no sheet can stop the others: each one has a time limit of its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tpgrade.cohort.intake import Candidate, gather
from tpgrade.cohort.store import Store
from tpgrade.exam.bank import Bank
from tpgrade.exam.grading import EXAM_DAY, Overrides, answer_hash, grade_sheet
from tpgrade.exam.paper import Paper
from tpgrade.exam.rubric import grade_short
from tpgrade.exam.schema import ShortAnswer
from tpgrade.exam.sheets import SHEET_KINDS, SheetRejected, read_sheet
from tpgrade.models import QuestionResult, SubmissionResult

SHEET_SECONDS = 60  # the most one sheet may take; an honest one takes milliseconds
PARALLEL_FROM = 64  # fewer sheets than this are graded faster in the main process
CHUNK = 16  # sheets handed to a worker at a time
OVERRIDDEN = "noté par l'enseignant"


@dataclass(frozen=True)
class Pending:
    """One automatic decision below the confidence threshold."""

    student: str
    question: QuestionResult


@dataclass
class CohortGrades:
    results: list[SubmissionResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reused: int = 0  # results found in the store, not graded again

    @property
    def pending(self) -> list[Pending]:
        return [Pending(r.student, q) for r in self.results for q in r.questions.values() if q.needs_review]


def _rejected(
    student: str, label: str, message: str, paper: Paper, bank: Bank, digest: str = ""
) -> SubmissionResult:
    return SubmissionResult(
        student=student,
        day=EXAM_DAY,
        status="rejected",
        message=message,
        source_name=label,
        submission_hash=digest,
        grader_version=paper.version(bank),
        sandbox="none",
    )


class _TooLong(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    """Raise :class:`_TooLong` after ``seconds`` (only in a main thread, where signals go)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _TooLong

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def grade_one(
    student: str, path: Path, label: str, paper: Paper, bank: Bank, overrides: Overrides
) -> SubmissionResult:
    """One sheet, whatever it holds: graded, rejected with the reason, or an ``error`` result."""
    try:
        with _time_limit(SHEET_SECONDS):
            sheet = read_sheet(path, paper)
            return grade_sheet(student, label, sheet, paper, bank, overrides)
    except SheetRejected as rejected:
        return _rejected(student, label, str(rejected), paper, bank, _digest(path))
    except _TooLong:
        message = f"feuille abandonnée après {SHEET_SECONDS} s : signalez-la"
    except (Exception, RecursionError) as exc:  # a fault of tpgrade on this sheet must not stop the others
        message = f"erreur interne du correcteur ({type(exc).__name__}: {str(exc)[:200]}) ; signalez-le"
    error = _rejected(student, label, message, paper, bank, _digest(path))
    return error.model_copy(update={"status": "error"})


# --- workers --------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _start_worker(paper: Paper, bank: Bank, overrides: Overrides) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    _WORKER.update(paper=paper, bank=bank, overrides=overrides)


def _grade_in_worker(sheets: list[tuple[str, Path]]) -> list[SubmissionResult]:
    paper, bank, overrides = _WORKER["paper"], _WORKER["bank"], _WORKER["overrides"]
    return [grade_one(student, path, path.name, paper, bank, overrides) for student, path in sheets]


def _warm(paper: Paper, bank: Bank) -> None:
    """Analyse every rubric phrasing once here, so that forked workers start with it done."""
    for qid in paper.questions:
        question = bank.questions[qid]
        if isinstance(question, ShortAnswer):
            grade_short(question, question.model_answer)


def _in_workers(
    todo: list[Candidate], paper: Paper, bank: Bank, overrides: Overrides, workers: int
) -> Iterator[SubmissionResult]:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    _warm(paper, bank)
    executor = ProcessPoolExecutor(workers, context, _start_worker, (paper, bank, overrides))
    chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
    finished = False
    try:
        futures = {
            executor.submit(_grade_in_worker, [(c.student, c.path) for c in chunk]): chunk for chunk in chunks
        }
        remaining = set(futures)
        while remaining:
            done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    yield from future.result()
                except Exception as exc:  # a worker died (killed, out of memory): these sheets only
                    for candidate in futures[future]:
                        message = (
                            "erreur interne du correcteur (le processus de correction s'est arrêté : "
                            f"{type(exc).__name__})"
                        )
                        error = _rejected(candidate.student, candidate.path.name, message, paper, bank)
                        yield error.model_copy(update={"status": "error"})
        finished = True
    finally:
        executor.shutdown(wait=finished, cancel_futures=not finished)


# --- the cohort -----------------------------------------------------------------------------


def _overrides_hold(result: SubmissionResult, overrides: Overrides) -> bool:
    """Whether every decision of the instructor on this student's current answers is already
    in the stored result (a new one means grading the sheet again)."""
    for (student, qid), (digest, _) in overrides.items():
        question = result.questions.get(qid)
        if student != result.student or question is None or answer_hash(question.answer) != digest:
            continue
        if OVERRIDDEN not in question.message or question.needs_review:
            return False
    return True


def grade_cohort(
    sources: list[Path],
    paper: Paper,
    bank: Bank,
    store: Store,
    workers: int = 1,
    on_done: Callable[[SubmissionResult], None] = lambda result: None,
    regrade: bool = False,
) -> CohortGrades:
    """Grade every sheet found in ``sources`` (files, folders, Moodle zips) not graded yet with
    this paper and bank, in ``workers`` processes; every result is stored as it comes, the
    instructor's overrides applied. ``on_done`` sees each result once stored."""
    overrides = store.overrides(EXAM_DAY)
    version = paper.version(bank)
    grades = CohortGrades()

    def finish(result: SubmissionResult, save: bool) -> None:
        if save:
            store.save(result)
        grades.results.append(result)
        on_done(result)

    with tempfile.TemporaryDirectory(prefix="tpgrade-exam-") as scratch:
        intake = gather(sources, Path(scratch), preferred="feuille", kinds=SHEET_KINDS)
        grades.notes = list(intake.notes)
        for candidate, message in intake.duplicates:  # noted, not stored: the student's newest sheet counts
            grades.notes.append(f"{candidate.student}: {candidate.label} not graded ({message})")
        for candidate, message in intake.rejected:
            finish(_rejected(candidate.student, candidate.path.name, message, paper, bank), True)
        todo: list[Candidate] = []
        for candidate in intake.candidates:
            digest = _digest(candidate.path)
            found = (
                None if regrade or not digest else store.find(EXAM_DAY, candidate.student, digest, version)
            )
            if found is not None and found.status != "error" and _overrides_hold(found, overrides):
                store.mark_latest(found)
                grades.reused += 1
                finish(found, False)
            else:
                todo.append(candidate)
        if workers > 1 and len(todo) >= max(PARALLEL_FROM, 2 * workers):
            for result in _in_workers(todo, paper, bank, overrides, workers):
                finish(result, True)
        else:
            for candidate in todo:
                finish(
                    grade_one(candidate.student, candidate.path, candidate.path.name, paper, bank, overrides),
                    True,
                )
    grades.results.sort(key=lambda r: r.student)
    return grades


def record_decision(store: Store, pending: Pending, points: float) -> None:
    """The instructor's points for one answer; kept on re-grading while the answer is unchanged."""
    store.save_override(
        EXAM_DAY, pending.student, pending.question.name, answer_hash(pending.question.answer), points
    )
