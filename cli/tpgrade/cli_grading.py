"""``tpgrade grade``: the batch, its progress bar and its score table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from tpgrade import paths
from tpgrade.batch import Outcome, collect, grade_all
from tpgrade.engine import GradingConfig, grader_version
from tpgrade.models import SubmissionResult
from tpgrade.reports.jsonexport import write_json
from tpgrade.reports.labels import QUESTION_STATUS, SUBMISSION_STATUS
from tpgrade.sandbox import Limits, choose_sandbox
from tpgrade.store import Store

STATUS_STYLE = {"graded": "green", "rejected": "red", "not_loadable": "red", "error": "magenta"}


def problems(result: SubmissionResult, limit: int = 3) -> str:
    """The first few questions that did not pass, for the table."""
    if result.status != "graded":
        return result.message
    failing = [
        f"{q.name}: {QUESTION_STATUS[q.status]}" for q in result.questions.values() if q.status != "passed"
    ]
    more = f" (+{len(failing) - limit})" if len(failing) > limit else ""
    return "; ".join(failing[:limit]) + more


def score_table(outcomes: list[Outcome]) -> Table:
    table = Table(title="Scores")
    for name in ("Student", "Status", "Score", "Problems"):
        table.add_column(name, overflow="fold")
    for outcome in sorted(outcomes, key=lambda o: o.result.student):
        result = outcome.result
        status = SUBMISSION_STATUS[result.status] + (" (déjà noté)" if outcome.cached else "")
        score = f"{result.score:g} / {result.max_score:g}" if result.status == "graded" else "—"
        table.add_row(result.student, f"[{STATUS_STYLE[result.status]}]{status}[/]", score, problems(result))
    return table


@dataclass(frozen=True)
class SandboxRequest:
    """The sandbox options of a command line."""

    name: str
    allow_unsandboxed: bool
    device: str = "cpu"
    image: str | None = None


def run_grading(
    day: str,
    submissions: list[Path],
    request: SandboxRequest,
    store_path: Path,
    json_file: Path | None,
    regrade: bool,
    seed: int | None,
    cell_timeout: float,
    limits: Limits,
    out: Console,
    err: Console,
) -> list[Outcome]:
    paths.check_day(day)
    files = collect(submissions)
    hidden = [paths.course_root(), store_path.resolve().parent, *(p.resolve() for p in submissions)]
    sandbox, chosen = choose_sandbox(
        request.name, hidden, request.allow_unsandboxed, request.device, request.image
    )
    err.print(chosen)
    config = GradingConfig(
        day=day,
        tests_dir=paths.graders_dir(day),
        sandbox=sandbox,
        grader_version=grader_version(day),
        limits=limits,
        cell_timeout=cell_timeout,
        seed=seed,
    )
    store = Store(store_path)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(f"Grading {day}", total=len(files), rate="")

        def advance(outcome: Outcome) -> None:
            progress.advance(task)
            elapsed = progress.tasks[0].elapsed or 0.0
            done = progress.tasks[0].completed
            progress.update(task, rate=f"{60 * done / elapsed:.0f}/min" if elapsed else "")

        try:
            outcomes = grade_all(files, config, store, advance, regrade)
        finally:
            sandbox.close()
            store.close()
    out.print(score_table(outcomes))
    fresh = sum(not o.cached for o in outcomes)
    out.print(f"{fresh} graded now, {len(outcomes) - fresh} already in the store ({store_path}).")
    if json_file is not None:
        write_json([o.result for o in outcomes], json_file)
        out.print(f"JSON: {json_file}")
    return outcomes
