"""``tpgrade exam``: build papers from the question bank, grade answer sheets, review, report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from tpgrade.commands.common import (
    DEFAULT_RESULTS,
    DatabaseOption,
    StoreOption,
    database_reports_folder,
    err,
    out,
    results_store,
    store_place,
    user_errors,
)
from tpgrade.display import shown, shown_id, shown_markup
from tpgrade.errors import StoreError, UsageError

if TYPE_CHECKING:
    from tpgrade.cohort.store import Store
    from tpgrade.exam.bank import Bank
    from tpgrade.exam.paper import Paper

exam_app = typer.Typer(
    rich_markup_mode=None,
    help="The written exam: papers drawn from the question bank, graded answer sheets, item analysis.",
    no_args_is_help=True,
)
BankOption = Annotated[
    Path | None,
    typer.Option(
        "--bank",
        metavar="DIR",
        help="Folder with exam.yaml and bank/ (default: assignments/exam of the course).",
    ),
]
PaperArgument = Annotated[
    Path,
    typer.Argument(
        metavar="PAPER", help="The paper folder written by `tpgrade exam build` (or its paper.json)."
    ),
]
SheetsArgument = Annotated[
    list[Path],
    typer.Argument(
        metavar="SHEET...", help="Answer sheets (.yaml, .ipynb): files, folders, or a Moodle zip."
    ),
]
EXAM_STORE = DEFAULT_RESULTS / "tpgrade.sqlite"


def _bank_and_paper(paper: Path, bank: Path | None) -> tuple[Bank, Paper]:
    from tpgrade.exam.bank import load_bank
    from tpgrade.exam.paper import load_paper

    loaded = load_bank(bank)
    return loaded, load_paper(paper, loaded)


@exam_app.command("check-bank")
@user_errors
def check_bank(bank: BankOption = None) -> None:
    """Validate the question bank and show what it holds per topic, type and difficulty; warn
    about short questions that list no confusion and phrasings too short to state a claim."""
    from tpgrade.exam.bank import BankError, bank_warnings, load_bank

    try:
        loaded = load_bank(bank)
    except BankError as problems:  # one problem a line, whatever the terminal's width
        err.print(
            f"[bold red]Error:[/] the question bank has {len(problems.problems)} problem(s):", highlight=False
        )
        for problem in problems.problems:
            err.print(f"  {shown_markup(problem)}", highlight=False, soft_wrap=True)
        raise typer.Exit(problems.exit_code) from None
    table = Table("Thème", "Questions", "Faciles", "Moyennes", "Difficiles", "Types")
    for topic in loaded.topics:
        questions = [q for q in loaded.questions.values() if q.topic == topic.id]
        count = {d: sum(q.difficulty == d for q in questions) for d in ("easy", "medium", "hard")}
        kinds = ", ".join(sorted({q.type for q in questions}))
        table.add_row(
            topic.title,
            str(len(questions)),
            str(count["easy"]),
            str(count["medium"]),
            str(count["hard"]),
            kinds,
        )
    out.print(table)
    warnings = bank_warnings(loaded)
    for warning in warnings:
        err.print(f"[yellow]warning:[/] {shown_markup(warning)}", highlight=False, soft_wrap=True)
    out.print(
        f"{len(loaded.questions)} questions, {len(loaded.topics)} topics: the bank is valid"
        + (f" ({len(warnings)} warning(s))." if warnings else "."),
        highlight=False,
    )


@exam_app.command("build")
@user_errors
def build(
    seed: Annotated[
        int, typer.Option(metavar="N", help="Seed of the draw: the same seed gives the same paper.")
    ] = 1,
    variants: Annotated[
        int, typer.Option(metavar="N", help="Shuffled variants to write (question and choice order).")
    ] = 4,
    output: Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder for the paper.")] = Path(
        "exam-paper"
    ),
    bank: BankOption = None,
) -> None:
    """Draw a paper balanced by topic and difficulty; write it for students (Markdown, HTML,
    notebook) with an answer sheet per variant, and the answer key for instructors."""
    from tpgrade.exam.bank import load_bank
    from tpgrade.exam.paper import draw_paper, save_paper
    from tpgrade.exam.publish import write_paper

    if not 0 <= variants <= 99:
        raise UsageError("--variants must be between 0 and 99")
    loaded = load_bank(bank)
    paper = draw_paper(loaded, seed, variants)
    save_paper(paper, output)
    written = write_paper(paper, loaded, output)
    questions = [loaded.questions[q] for q in paper.questions]
    by_difficulty = {
        d: sum(q.points for q in questions if q.difficulty == d) for d in ("easy", "medium", "hard")
    }
    out.print(
        f"Paper of {len(questions)} questions, {paper.total_points:g} points "
        f"(easy {by_difficulty['easy']:g}, medium {by_difficulty['medium']:g}, hard {by_difficulty['hard']:g}), "
        f"{len({q.topic for q in questions})} topics, {variants} variant(s): {output}",
        highlight=False,
    )
    out.print(f"{len(written)} files written (answer key: {output / 'corrige.md'}).", highlight=False)


WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", "-j", metavar="N", help="Sheets graded at once (default: one per CPU)."),
]


@exam_app.command("grade")
@user_errors
def grade(
    paper: PaperArgument,
    sheets: SheetsArgument,
    store: StoreOption = EXAM_STORE,
    bank: BankOption = None,
    workers: WorkersOption = None,
    regrade: Annotated[
        bool, typer.Option("--regrade", help="Grade again sheets already in the store.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Grade answer sheets: exact for choices, numbers and orders; by rubric for short answers.
    Each sheet's result is stored as soon as it is graded; a run again grades only what is new.
    Decisions below the confidence threshold wait for `tpgrade exam review`."""
    from tpgrade.cohort.batch import default_workers
    from tpgrade.exam.cohort import grade_cohort
    from tpgrade.exam.grading import EXAM_DAY

    if workers is not None and not 1 <= workers <= 64:
        raise UsageError("--workers must be between 1 and 64")
    loaded, drawn = _bank_and_paper(paper, bank)
    with results_store(store, database, EXAM_DAY, create=True) as results:
        grades = grade_cohort(
            sheets, drawn, loaded, results, workers=workers or default_workers(), regrade=regrade
        )
    for note in grades.notes:
        err.print(f"[yellow]note:[/] {shown_markup(note)}", highlight=False)
    graded = [r for r in grades.results if r.status == "graded"]
    for result in grades.results:
        if result.status != "graded":
            err.print(
                f"[red]{shown_markup(result.student)}[/]: {shown_markup(result.source_name)} refusé : "
                f"{shown_markup(result.message)}",
                highlight=False,
            )
    mean = sum(r.score for r in graded) / len(graded) if graded else 0.0
    for result in graded:
        if result.message:
            err.print(
                f"[yellow]{shown_markup(result.student)}[/]: {shown_markup(result.message)}", highlight=False
            )
    reused = f" ({grades.reused} already in the store)" if grades.reused else ""
    out.print(
        f"{len(graded)} sheet(s) graded{reused}, {len(grades.results) - len(graded)} rejected; "
        f"mean {mean:.2f} / {drawn.total_points:g}. Results in {store_place(store, database)}.",
        highlight=False,
        soft_wrap=True,
    )
    pending = grades.pending
    if pending:
        out.print(
            f"{len(pending)} short answer(s) below the confidence threshold "
            f"({loaded.exam.paper.review_threshold:g}): run `tpgrade exam review {paper} "
            f"{' '.join(shown(s) for s in sheets)}`",
            highlight=False,
            soft_wrap=True,
        )


@exam_app.command("review")
@user_errors
def review(
    paper: PaperArgument,
    sheets: SheetsArgument,
    store: StoreOption = EXAM_STORE,
    bank: BankOption = None,
    database: DatabaseOption = None,
) -> None:
    """Go through the automatic decisions below the confidence threshold: Enter accepts,
    a number gives those points, s skips, q stops. Decisions are stored and kept on re-grading."""
    from tpgrade.exam.grading import EXAM_DAY

    loaded, drawn = _bank_and_paper(paper, bank)
    with results_store(store, database, EXAM_DAY, create=True) as results:
        _review(sheets, drawn, loaded, results)


def _review(sheets: list[Path], drawn: Paper, loaded: Bank, results: Store) -> None:
    from tpgrade.exam.cohort import grade_cohort, record_decision
    from tpgrade.exam.review import short_answer_lines
    from tpgrade.exam.schema import ShortAnswer

    pending = grade_cohort(sheets, drawn, loaded, results).pending
    if not pending:
        out.print("Nothing to review: every automatic decision is above the threshold or already decided.")
        return
    decided = 0
    for index, item in enumerate(pending, 1):
        question = loaded.questions[item.question.name]
        title = f"{index}/{len(pending)} — {shown_id(item.student)} — {question.id} ({question.points:g} pts)"
        out.rule(shown_markup(title))
        out.print(question.prompt.strip(), highlight=False, markup=False)
        out.print(f"[bold]Réponse :[/] {shown_markup(item.question.answer or '(vide)')}", highlight=False)
        if isinstance(question, ShortAnswer):
            for line in short_answer_lines(question, item.question.answer):
                out.print(line, highlight=False)
        if "réponse coupée" in item.question.message:
            out.print(f"[yellow]{shown_markup(item.question.message)}[/]", highlight=False)
        out.print(
            f"Décision proposée (la plus probable pour le correcteur) : {item.question.score:g} / "
            f"{question.points:g} (confiance {item.question.confidence:.2f})",
            highlight=False,
        )
        choice = typer.prompt(
            "Entrée = accepter, nombre = points, s = passer, q = arrêter", default="", show_default=False
        )
        choice = choice.strip().lower().replace(",", ".")
        if choice == "q":
            break
        if choice == "s":
            continue
        try:
            points = item.question.score if choice == "" else float(choice)
        except ValueError:
            err.print(f"« {shown_markup(choice)} » n'est pas un nombre : réponse passée")
            continue
        if not 0 <= points <= question.points:
            err.print(f"{points:g} n'est pas entre 0 et {question.points:g} : réponse passée")
            continue
        record_decision(results, item, points)
        decided += 1
    grades = grade_cohort(sheets, drawn, loaded, results)
    out.print(f"{decided} decision(s) stored; {len(grades.pending)} answer(s) still to review.")


@exam_app.command("report")
@user_errors
def report(
    paper: PaperArgument,
    store: StoreOption = EXAM_STORE,
    output: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Folder (default: reports/exam next to the store)."),
    ] = None,
    bank: BankOption = None,
    database: DatabaseOption = None,
) -> None:
    """Gradebook, feedback per student, JSON, cohort summary, and the item analysis of every
    question (difficulty, discrimination, point-biserial, distractors) with a plot."""
    from tpgrade.exam.analysis import write_item_analysis
    from tpgrade.exam.grading import EXAM_DAY
    from tpgrade.reports import write_reports

    loaded, drawn = _bank_and_paper(paper, bank)
    first = f"run `tpgrade exam grade {paper} …` first"
    with results_store(store, database, EXAM_DAY, missing=f"no results store at {store}: {first}") as kept:
        results = kept.latest(EXAM_DAY)
    if not results:
        where = "the database" if database is not None else f"the store {store}"
        raise StoreError(f"{where} holds no exam result: {first}")
    if output is not None:
        folder = output
    elif database is not None:
        folder = database_reports_folder(database, EXAM_DAY)
    else:
        folder = store.parent / "reports" / EXAM_DAY
    written = write_reports(results, folder, EXAM_DAY)
    items = write_item_analysis(results, drawn, loaded, folder)
    pending = sum(q.needs_review for r in results for q in r.questions.values())
    out.print(f"Gradebook: {written.gradebook}\nFeedback: {written.feedback_dir}\nSummary: {written.summary}")
    out.print(f"Item analysis: {items}", highlight=False)
    if pending:
        err.print(f"[yellow]{pending} answer(s) still wait for review[/] (tpgrade exam review)")
