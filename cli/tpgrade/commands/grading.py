"""``tpgrade grade``: the batch, its progress bar and its score table."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from tpgrade import paths
from tpgrade.cohort.batch import Outcome, SandboxSpec, grade_all
from tpgrade.cohort.intake import Candidate, Intake, gather
from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.commands.common import open_database
from tpgrade.display import shown, shown_id
from tpgrade.judge.engine import GradingConfig, grader_version, rejected_result
from tpgrade.judge.selftest import self_test
from tpgrade.models import SubmissionResult
from tpgrade.reports.atomic import write_text
from tpgrade.reports.jsonexport import write_json
from tpgrade.reports.summary import intake_notes_path
from tpgrade.sandbox import Limits, choose_sandbox
from tpgrade.sandbox.none import NoSandbox

if TYPE_CHECKING:
    from tpgrade.cluster.coordinator import Waiting
from tpgrade.statuses import SUBMISSION_STATUSES, question_label


def problems(result: SubmissionResult, limit: int = 3) -> str:
    """The first few questions that did not pass, for the table."""
    if result.status != "graded":
        return result.message
    failing = [
        f"{q.name}: {question_label(q.status)}" for q in result.questions.values() if q.status != "passed"
    ]
    more = f" (+{len(failing) - limit})" if len(failing) > limit else ""
    return "; ".join(failing[:limit]) + more


def score_table(outcomes: list[Outcome]) -> Table:
    table = Table(title="Scores")
    for name in ("Student", "Status", "Score", "Problems"):
        table.add_column(name, overflow="fold")
    for outcome in sorted(outcomes, key=lambda o: o.result.student):
        result = outcome.result
        status = SUBMISSION_STATUSES[result.status].label + (" (déjà noté)" if outcome.cached else "")
        score = f"{result.score:g} / {result.max_score:g}" if result.status == "graded" else "—"
        table.add_row(  # what came from the submission as plain Text: no markup, controls escaped
            Text(shown_id(result.student)),
            Text(status, style=SUBMISSION_STATUSES[result.status].style),
            score,
            Text(shown(problems(result))),
        )
    return table


@dataclass(frozen=True)
class SandboxRequest:
    """The sandbox options of a command line."""

    name: str
    allow_unsandboxed: bool
    device: str = "cpu"
    image: str | None = None
    workers: int = 1


@dataclass(frozen=True)
class RunOptions:
    """Where results go and the per-submission settings of a grading run."""

    store_path: Path
    json_file: Path | None = None
    regrade: bool = False
    seed: int | None = None
    cell_timeout: float = 30.0
    limits: Limits = field(default_factory=Limits)
    database: str | None = None  # a PostgreSQL URL: grade through the queue, on the workers


def run_grading(
    day: str,
    submissions: list[Path],
    request: SandboxRequest,
    options: RunOptions,
    out: Console,
    err: Console,
) -> list[Outcome]:
    paths.check_day(day)
    if options.database is None:
        SqliteStore(options.store_path).close()  # an unusable store is said before any work (exit code 5)
    else:
        open_database(options.database).close()
    with tempfile.TemporaryDirectory(prefix="tpgrade-intake-") as scratch:
        intake = gather(submissions, Path(scratch), preferred=f"tp_{day}")
        notes = [shown(note) for note in intake.notes]  # names from submissions, one line each
        for note in notes:
            err.print(f"note: {note}", highlight=False, markup=False, emoji=False)
        if options.database is not None:  # the rejected files are results in the database
            return _queue_intake(day, intake, request, options, out, err)
        notes_file = intake_notes_path(options.store_path, day)
        if notes:
            write_text(notes_file, "".join(f"{note}\n" for note in notes))
        else:
            notes_file.unlink(missing_ok=True)  # a note of an earlier run no longer holds
        hidden = [
            paths.course_root(),
            options.store_path.resolve().parent,
            Path(scratch),
            *(p.resolve() for p in submissions),
        ]
        return _grade_intake(day, intake, hidden, request, options, out, err)


def _grade_intake(
    day: str,
    intake: Intake,
    hidden: list[Path],
    request: SandboxRequest,
    options: RunOptions,
    out: Console,
    err: Console,
) -> list[Outcome]:
    preload = paths.preloaded_libraries(day)
    sandbox, chosen = choose_sandbox(
        request.name, hidden, request.allow_unsandboxed, request.device, request.image, preload
    )
    total = len(intake.candidates) + len(intake.rejected) + len(intake.duplicates)
    workers = max(1, min(request.workers, len(intake.candidates)))
    err.print(f"{chosen}; {workers} worker{'s' if workers > 1 else ''}")
    if intake.candidates:
        try:
            self_test(sandbox, options.limits)  # one real round trip before any submission
        except BaseException:
            sandbox.close()
            raise
    spec = SandboxSpec(
        request.name, tuple(hidden), request.allow_unsandboxed, request.device, request.image, preload
    )
    config = GradingConfig(
        day=day,
        tests_dir=paths.graders_dir(day),
        sandbox=sandbox,
        grader_version=grader_version(day),
        limits=options.limits,
        cell_timeout=options.cell_timeout,
        seed=options.seed,
    )
    store = SqliteStore(options.store_path)
    with _progress(err, day, total) as progress:
        try:
            outcomes = grade_all(intake, config, store, progress.advance, options.regrade, workers, spec)
        finally:
            sandbox.close()
            store.close()
    return _summary(outcomes, options, str(options.store_path), out)


def _summary(outcomes: list[Outcome], options: RunOptions, where: str, out: Console) -> list[Outcome]:
    out.print(score_table(outcomes))
    fresh = sum(not o.cached for o in outcomes)
    out.print(f"{fresh} graded now, {len(outcomes) - fresh} already in the store ({where}).")
    if options.json_file is not None:
        write_json([o.result for o in outcomes], options.json_file)
        out.print(f"JSON: {options.json_file}")
    return outcomes


@contextlib.contextmanager
def _progress(err: Console, day: str, total: int) -> Iterator[Advancing]:
    """The progress bar of a grading run, and what advances it by one outcome."""
    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}", markup=False),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(f"Grading {day}", total=total, rate="")

        def advance(outcome: Outcome) -> None:
            progress.advance(task)
            elapsed = progress.tasks[0].elapsed or 0.0
            done = progress.tasks[0].completed
            progress.update(
                task,
                description=f"Grading {day}: {shown(outcome.result.student)}",
                rate=f"{60 * done / elapsed:.0f}/min" if elapsed else "",
                refresh=True,
            )

        def waiting(state: Waiting) -> None:
            workers = f"{state.workers_alive} worker{'s' if state.workers_alive != 1 else ''} alive"
            hint = "" if state.workers_alive else " — start `tpgrade worker --database URL` on a grading node"
            progress.update(task, description=f"Grading {day}: {state.pending} in the queue, {workers}{hint}")

        yield Advancing(advance, waiting)


@dataclass(frozen=True)
class Advancing:
    advance: Callable[[Outcome], None]
    waiting: Callable[[Waiting], None]


def _queue_intake(
    day: str, intake: Intake, request: SandboxRequest, options: RunOptions, out: Console, err: Console
) -> list[Outcome]:
    """The cohort through the queue: jobs put in, results waited for; nothing runs here."""
    from tpgrade.cluster.coordinator import QueuedRun, grade_queued
    from tpgrade.cluster.jobs import KINDS, JobOptions, new_app

    assert options.database is not None
    store = open_database(options.database)
    kind = KINDS[request.device]
    run = QueuedRun(
        day,
        grader_version(day),
        kind,
        JobOptions(options.cell_timeout, options.seed, options.limits),
        options.regrade,
    )
    total = len(intake.candidates) + len(intake.rejected) + len(intake.duplicates)
    err.print(f"queue: {store.location}, {kind} queue of {day} (graders {run.version})", highlight=False)
    placeholder = GradingConfig(day, paths.graders_dir(day), NoSandbox(), run.version)

    def rejected(candidate: Candidate, message: str) -> SubmissionResult:
        return rejected_result(placeholder, candidate.path, "", message, candidate.student)

    try:
        with _progress(err, day, total) as progress:
            outcomes = grade_queued(
                intake, run, store, new_app(options.database), rejected, progress.advance, progress.waiting
            )
    except KeyboardInterrupt:
        err.print("Stopped waiting; the jobs go on. Run the same command again to see where they stand.")
        raise
    finally:
        store.close()
    return _summary(outcomes, options, store.location, out)
