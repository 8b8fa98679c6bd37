"""The ``tpgrade`` command (Typer). Each command parses, calls the engine, renders."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tpgrade import paths
from tpgrade.commands.cluster import db_app, worker
from tpgrade.commands.common import (
    DEFAULT_RESULTS,
    DatabaseOption,
    StoreOption,
    database_reports_folder,
    err,
    open_database,
    out,
    results_store,
    student_errors,
    user_errors,
)
from tpgrade.commands.exam import exam_app
from tpgrade.commands.lti import lti_app
from tpgrade.commands.service import instructor_app, login, receipt_app, roster_app, serve, submit
from tpgrade.display import shown, shown_id, shown_markup
from tpgrade.errors import EXIT_FAILED, StoreError, UsageError
from tpgrade.sandbox import Limits

if TYPE_CHECKING:
    from tpgrade.cohort.intake import Intake
    from tpgrade.cohort.store import Store
    from tpgrade.models import SubmissionResult

app = typer.Typer(
    rich_markup_mode=None,
    help="Autograder for the TPs of « Fondations mathématiques de l'IA moderne ».\n\n"
    "Exit codes: 0 success; 1 checks or validation failed; 2 usage error; 3 unusable input; "
    "4 no usable sandbox; 5 results store or database unusable; 6 graders unusable; 7 build failed; 130 interrupted.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
Day = Annotated[str, typer.Argument(metavar="DAY", help="The day: day1 … day5.", show_default=False)]
SandboxOption = Annotated[
    str, typer.Option("--sandbox", metavar="BACKEND", help="auto, process (bubblewrap), docker or none.")
]
DeviceOption = Annotated[
    str,
    typer.Option(
        "--device",
        metavar="DEVICE",
        help="cpu, or cuda: the graders' tensors and the student's modules on the GPU.",
    ),
]
ImageOption = Annotated[
    str | None,
    typer.Option(
        "--image",
        metavar="TAG",
        help="Grading image of the docker sandbox (default tpgrade-cpu / tpgrade-cuda).",
    ),
]


def _device(device: str) -> str:
    if device not in ("cpu", "cuda"):
        raise UsageError(f"unknown device {device!r}: choose cpu or cuda")
    return device


def _limits(memory_mb: int) -> Limits:
    return Limits(memory_bytes=memory_mb << 20)


@app.command()
@user_errors
def grade(
    day: Day,
    submissions: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help="Files (id = file name), folders of files or of per-student folders, Moodle zips.",
        ),
    ],
    sandbox: SandboxOption = "auto",
    allow_unsandboxed: Annotated[
        bool,
        typer.Option(
            "--allow-unsandboxed",
            help="Allow --sandbox none for hidden graders (student code then runs unisolated).",
        ),
    ] = False,
    store: StoreOption = DEFAULT_RESULTS / "tpgrade.sqlite",
    database: DatabaseOption = None,
    json_file: Annotated[
        Path | None,
        typer.Option("--json", metavar="FILE", help="Also write the results as JSON.", dir_okay=False),
    ] = None,
    regrade: Annotated[
        bool, typer.Option("--regrade", help="Grade again even what the store already holds.")
    ] = False,
    seed: Annotated[
        int | None,
        typer.Option(
            metavar="N", help="Fix the graders' random seed (default: derived from each submission)."
        ),
    ] = None,
    cell_timeout: Annotated[
        float, typer.Option(metavar="SECONDS", help="Seconds allowed to each notebook cell.")
    ] = 30.0,
    memory_mb: Annotated[
        int, typer.Option(metavar="MIB", help="Memory limit of the student process, MiB.")
    ] = 3072,
    device: DeviceOption = "cpu",
    image: ImageOption = None,
    workers: Annotated[
        int | None,
        typer.Option(metavar="N", help="Parallel grading processes (default: one per core).", min=1),
    ] = None,
) -> None:
    """Grade submissions with the hidden graders, in a sandbox; results go to the store.

    PATH: files, folders of files, folders of per-student folders, or a Moodle
    "download all submissions" zip.
    """
    from tpgrade.cohort.batch import default_workers
    from tpgrade.commands.grading import RunOptions, SandboxRequest, run_grading

    run_grading(
        day,
        submissions,
        SandboxRequest(sandbox, allow_unsandboxed, _device(device), image, workers or default_workers()),
        RunOptions(store, json_file, regrade, seed, cell_timeout, _limits(memory_mb), database),
        out,
        err,
    )


@app.command()
@user_errors
def report(
    day: Day,
    store: StoreOption = DEFAULT_RESULTS / "tpgrade.sqlite",
    database: DatabaseOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="DIR", help="Folder for the reports (default: reports/DAY next to the store)."
        ),
    ] = None,
    course: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Course file (TOML) with a late policy: [late.DAY] due, penalty_per_day, max_days.",
        ),
    ] = None,
    moodle_worksheet: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="The grading worksheet downloaded from Moodle (CSV, any of its languages): filled in"
            " as moodle_worksheet_DAY.csv, its hand-in times used by the late policy.",
        ),
    ] = None,
    moodle_feedback_zip: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Write the feedback pages as the zip Moodle's 'upload feedback files' takes."
        ),
    ] = None,
) -> None:
    """Render the reports from the store: gradebook and Moodle worksheet (CSV), feedback
    pages (Markdown, HTML), JSON, the cohort summary with plots, Gradescope results.json."""
    from tpgrade.reports import write_reports
    from tpgrade.reports.moodle import fill_worksheet, hand_in_times, read_worksheet, write_feedback_zip

    paths.check_day(day)
    worksheet = read_worksheet(moodle_worksheet) if moodle_worksheet is not None else None
    with results_store(store, database, day) as opened:
        results = opened.latest(day)
        if not results:
            raise StoreError(f"the store {opened.location} holds no result for {day}")
        results = _adjusted(opened, day, results)
    if course is not None:
        from tpgrade.cohort.latepolicy import apply_policy, load_policy

        policy = load_policy(course, day)
        if policy is None:
            err.print(f"{course} has no late policy for {day} ([late.{day}]): none applied")
        else:
            if worksheet is not None and policy.due.tzinfo is not None:
                results = hand_in_times(worksheet, results, policy.due.tzinfo)
            results = apply_policy(results, policy)
            late = sum(r.late_penalty > 0 for r in results)
            out.print(f"Late policy: due {policy.due.isoformat()}, {late} late submission(s) penalised.")
    from tpgrade.reports.summary import intake_notes_path

    folder = output or (
        reports_folder(store, day) if database is None else database_reports_folder(database, day)
    )
    notes_file = intake_notes_path(store, day)
    notes = (
        notes_file.read_text(encoding="utf-8").splitlines()
        if notes_file.is_file() and database is None
        else []
    )
    written = write_reports(results, folder, day, notes)
    out.print(f"{len(results)} students. Gradebook: {written.gradebook}   Moodle worksheet: {written.moodle}")
    out.print(f"Feedback pages: {written.feedback_dir}/   JSON: {written.json}")
    out.print(f"Cohort summary: {written.summary}   Gradescope results: {written.gradescope_dir}/")
    if worksheet is not None:
        filled = fill_worksheet(worksheet, results, folder / f"moodle_worksheet_{day}.csv")
        out.print(
            f"Moodle worksheet filled in: {filled.worksheet} ({filled.filled} graded, {filled.untouched}"
            " rows left as they were)",
            highlight=False,
        )
        for note in filled.notes:
            err.print(f"note: {note}", highlight=False, markup=False)
        if filled.unmatched:
            who = ", ".join(shown(s) for s in filled.unmatched[:10])
            more = f" and {len(filled.unmatched) - 10} more" if len(filled.unmatched) > 10 else ""
            err.print(
                f"warning: not in the worksheet, so not filled in: {who}{more}", highlight=False, markup=False
            )
    if moodle_feedback_zip is not None:
        count, skipped = write_feedback_zip(results, written.feedback_dir, day, moodle_feedback_zip)
        out.print(f"Moodle feedback zip: {moodle_feedback_zip} ({count} feedback pages)", highlight=False)
        if skipped:
            who = ", ".join(shown(s) for s in skipped[:10])
            err.print(
                f"warning: no Moodle participant number, so not in the zip: {who}",
                highlight=False,
                markup=False,
            )


def reports_folder(store: Path, day: str) -> Path:
    """Where a store's reports go by default: ``reports/DAY`` beside it, or
    ``reports_STEM/DAY`` for a store not named ``tpgrade.sqlite``, so that two stores in one
    folder never write over each other's reports."""
    name = "reports" if store.stem == "tpgrade" else f"reports_{store.stem}"
    return store.parent / name / day


def _adjusted(store: Store, day: str, results: list[SubmissionResult]) -> list[SubmissionResult]:
    """The instructors' adjustments applied; those set aside (the submission changed) said."""
    from tpgrade.cohort.adjustments import apply_adjustments

    results, stale = apply_adjustments(results, store.adjustments(day))
    for adjustment in stale:
        err.print(
            f"warning: the adjustment of {shown(adjustment.student)} / {adjustment.question} is set aside: the"
            " submission changed since (adjust it again, or --clear it)",
            highlight=False,
            markup=False,
        )
    return results


@app.command()
@user_errors
def adjust(
    day: Day,
    student: Annotated[
        str,
        typer.Argument(metavar="STUDENT", help="The student's id, as in the gradebook.", show_default=False),
    ],
    question: Annotated[
        str,
        typer.Argument(metavar="QUESTION", help="The question (the graded function).", show_default=False),
    ],
    points: Annotated[
        float | None,
        typer.Argument(
            metavar="POINTS", help="The points to give (leave out with --clear).", show_default=False
        ),
    ] = None,
    comment: Annotated[str, typer.Option(metavar="TEXT", help="Why, shown to the student.")] = "",
    clear: Annotated[bool, typer.Option("--clear", help="Remove the adjustment.")] = False,
    author: Annotated[
        str | None, typer.Option(metavar="NAME", help="Who decides (default: your login).")
    ] = None,
    store: StoreOption = DEFAULT_RESULTS / "tpgrade.sqlite",
    database: DatabaseOption = None,
) -> None:
    """Give one question of one student's TP the points you decide, with a comment; kept across
    re-grading while the submission is the same, shown in every report."""
    import getpass

    from tpgrade.cohort.adjustments import decide

    paths.check_day(day)
    with results_store(store, database, day) as opened:
        results = {r.student: r for r in opened.latest(day)}
        if student not in results:
            raise UsageError(f"no result for {student!r} in {day} (see the gradebook for the ids)")
        if clear:
            if points is not None:
                raise UsageError("--clear takes no POINTS")
            removed = opened.clear_adjustment(day, student, question)
            out.print(
                f"{'Removed' if removed else 'There was no'} adjustment of {shown(student)} / {question}."
            )
            return
        if points is None:
            raise UsageError("give the POINTS (or --clear)")
        adjustment = decide(results[student], question, points, comment, author or getpass.getuser())
        opened.save_adjustment(adjustment)
    before = results[student].questions[question].score
    out.print(
        f"{shown(student)} / {question}: {points:g} point(s) instead of {before:g}, by {adjustment.author};"
        " shown in the reports from the next `tpgrade report`.",
        highlight=False,
    )


@app.command()
@student_errors
def check(
    day: Day,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Your notebook (.ipynb) or .py file.")],
    sandbox: SandboxOption = "none",
) -> None:
    """Run the public tests on your work (what a student runs before handing in)."""
    from tpgrade.course.check import all_passed, check_file, verdict_lines
    from tpgrade.sandbox import choose_sandbox

    if day not in paths.DAYS:
        raise UsageError(f"jour inconnu {day!r} : écrivez l'un de {', '.join(paths.DAYS)}")
    backend, _ = choose_sandbox(sandbox, [], allow_none=True)
    result = check_file(day, file, backend)
    if result.status != "graded":
        err.print(f"Fichier refusé : {shown(result.message)}", highlight=False, markup=False)
        raise typer.Exit(EXIT_FAILED)
    for issue in result.load.issues:
        out.print(f"[yellow]cellule n° {issue.index + 1} :[/] {shown_markup(issue.message)}", highlight=False)
    for line in verdict_lines(result.questions):
        out.print(shown(line), highlight=False, markup=False)
    if not all_passed(result.questions):
        out.print("Certains tests publics échouent.")
        raise typer.Exit(EXIT_FAILED)
    out.print("Tous les tests publics passent.")


@app.command()
@user_errors
def release(
    day: Day,
    folder: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="A new or empty folder for the bundle.")
    ],
    make_zip: Annotated[bool, typer.Option("--zip", help="Also write FOLDER.zip, ready for Moodle.")] = False,
) -> None:
    """Write what students get for DAY: the stub notebook, the public tests, a LISEZMOI.md."""
    from tpgrade.course.release import release as write_bundle

    bundle = write_bundle(day, folder, make_zip)
    out.print(f"Student bundle for {day}: {bundle.folder}/ ({len(bundle.files)} files)", highlight=False)
    if bundle.archive is not None:
        out.print(f"Zip for Moodle: {bundle.archive}", highlight=False)


@app.command()
@user_errors
def validate(
    day: Annotated[
        str | None, typer.Argument(metavar="DAY", help="The day (default: every day with graders).")
    ] = None,
    sandbox: SandboxOption = "auto",
    allow_unsandboxed: Annotated[
        bool, typer.Option("--allow-unsandboxed", help="Allow --sandbox none.")
    ] = False,
    notebook: Annotated[bool, typer.Option(help="Also execute the stub notebook.")] = True,
) -> None:
    """Check the graders: reference full marks, stub zero, every mutant caught, stub runs."""
    from tpgrade.cohort.batch import SandboxSpec, default_workers
    from tpgrade.course.validate import Finding, available_days, validate_day
    from tpgrade.sandbox import choose_sandbox

    days = [paths.check_day(day)] if day else available_days()
    preload = paths.preloaded_libraries(*days)
    backend, chosen = choose_sandbox(sandbox, [paths.course_root()], allow_unsandboxed, preload=preload)
    err.print(chosen)
    failures = 0

    def show(finding: Finding) -> None:
        nonlocal failures
        failures += not finding.ok
        mark = "[green]ok[/]  " if finding.ok else "[red]FAIL[/]"
        out.print(
            f"{mark} {finding.day} {finding.subject}: {finding.detail}", highlight=False, soft_wrap=True
        )

    try:
        for each in days:
            spec = SandboxSpec(sandbox, (paths.course_root(),), allow_unsandboxed, preload=preload)
            validate_day(each, backend, show, notebook, spec, default_workers())
    finally:
        backend.close()
    if failures:
        out.print(f"[red]{failures} check(s) failed.[/]")
        raise typer.Exit(EXIT_FAILED)
    out.print(f"[green]All checks passed[/] for {', '.join(days)}.")


@app.command()
@user_errors
def demo(
    folder: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Where the demo cohort, store and reports go.")
    ] = Path("tpgrade-demo"),
    sandbox: SandboxOption = "auto",
) -> None:
    """Build a small Day 2 cohort (correct, partly wrong, broken, hostile) and grade it."""
    from tpgrade.cohort.batch import default_workers
    from tpgrade.cohort.sqlite_store import SqliteStore
    from tpgrade.commands.grading import RunOptions, SandboxRequest, run_grading
    from tpgrade.course.demo import build_cohort
    from tpgrade.reports import write_reports

    cohort = build_cohort(folder / "submissions")
    out.print(f"Demo cohort of {len(cohort)} Day 2 submissions in {folder / 'submissions'}")
    store_path = folder / "tpgrade.sqlite"
    run_grading(
        "day2",
        [folder / "submissions"],
        SandboxRequest(sandbox, False, workers=default_workers()),
        RunOptions(store_path, cell_timeout=10.0),
        out,
        err,
    )
    written = write_reports(
        SqliteStore(store_path).latest("day2"), reports_folder(store_path, "day2"), "day2"
    )
    out.print(f"Gradebook: {written.gradebook}   Moodle worksheet: {written.moodle}", highlight=False)
    out.print(f"Feedback pages (Markdown, HTML): {written.feedback_dir}/", highlight=False)
    out.print(f"JSON: {written.json}   Cohort summary: {written.summary}", highlight=False)
    out.print(f"Render them again with: tpgrade report day2 --store {store_path}", highlight=False)


@app.command()
@user_errors
def similarity(
    day: Day,
    submissions: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[PATH]...",
            help="The same files, folders or zips as for grade; none with --database: "
            "each student's latest submission there.",
        ),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(metavar="X", help="Report pairs at least this similar (0 to 1).", min=0.0, max=1.0),
    ] = 0.8,  # similarity.DEFAULT_THRESHOLD (not imported: the CLI starts without it)
    output: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="CSV of the pairs found.", dir_okay=False)
    ] = DEFAULT_RESULTS / "similarity.csv",
    database: DatabaseOption = None,
) -> None:
    """Pairs of submissions with suspiciously similar code (names and comments ignored)."""
    import tempfile

    from tpgrade.reports.similarity import compare, write_pairs

    paths.check_day(day)
    if not submissions and database is None:
        raise UsageError(
            "give the submissions (files, folders or zips), or --database to compare the stored ones"
        )
    with tempfile.TemporaryDirectory(prefix="tpgrade-intake-") as scratch:
        if submissions:
            intake = _gathered(submissions, Path(scratch), day)
        else:
            assert database is not None
            intake = _stored_submissions(database, day, Path(scratch))
        comparison = compare(intake, paths.stub_notebook(day), threshold)
    for student, note in comparison.notes:
        err.print(f"note: {shown_id(student)}: {shown(note)}", highlight=False, markup=False)
    pairs = comparison.pairs
    write_pairs(pairs, output)
    for pair in pairs[:20]:
        line = f"{pair.similarity:.2f}  {shown_id(pair.first)}  {shown_id(pair.second)}"
        out.print(line, highlight=False, markup=False)
    more = " (first 20 shown)" if len(pairs) > 20 else ""
    out.print(f"{len(pairs)} pair(s) at or above {threshold:g}{more}; all in {output}")


def _gathered(submissions: list[Path], scratch: Path, day: str) -> Intake:
    from tpgrade.cohort.intake import gather

    intake = gather(submissions, scratch, preferred=f"tp_{day}")
    for note in intake.notes:
        err.print(f"note: {shown(note)}", highlight=False, markup=False)
    return intake


def _stored_submissions(url: str, day: str, scratch: Path) -> Intake:
    """Each student's latest submission in the database, written under ``scratch``."""
    from tpgrade.cohort.intake import stored_intake

    database = open_database(url)
    try:
        stored = database.latest_submissions(day)
    finally:
        database.close()
    if not stored:
        raise StoreError(
            f"the database holds no {day} submission: run `tpgrade grade {day} … --database` first"
        )
    return stored_intake(stored, scratch)


gradescope_app = typer.Typer(
    rich_markup_mode=None, help="Gradescope's autograder: build its zip, run inside it.", no_args_is_help=True
)
app.add_typer(gradescope_app, name="gradescope")


@gradescope_app.command("build")
@user_errors
def gradescope_build(
    day: Day,
    output: Annotated[Path, typer.Option("--out", metavar="FILE", help="The zip to write.")] = Path(
        "autograder.zip"
    ),
) -> None:
    """Write the autograder zip Gradescope takes (setup.sh, run_autograder, the day's graders)."""
    from tpgrade.course.gradescope import build

    out.print(f"Gradescope autograder for {day}: {build(day, output)}", highlight=False)


@gradescope_app.command("run")
@user_errors
def gradescope_run(
    day: Day,
    root: Annotated[
        Path, typer.Option("--root", metavar="DIR", help="Gradescope's folder (submission/, results/).")
    ] = Path("/autograder"),
) -> None:
    """Grade ROOT/submission and write ROOT/results/results.json (what run_autograder calls)."""
    from tpgrade.course.gradescope import run

    data = run(day, root)
    out.print(f"score {data['score']}: {root / 'results' / 'results.json'}", highlight=False)


image_app = typer.Typer(
    rich_markup_mode=None, help="The docker grading images (CPU and CUDA).", no_args_is_help=True
)
app.add_typer(image_app, name="image")
app.add_typer(exam_app, name="exam")
app.add_typer(db_app, name="db")
app.command("worker")(worker)
app.command("serve")(serve)
app.command("submit")(submit)
app.command("login")(login)
app.add_typer(roster_app, name="roster")
app.add_typer(instructor_app, name="instructor")
app.add_typer(receipt_app, name="receipt")
app.add_typer(lti_app, name="lti")


@image_app.command("build")
@user_errors
def image_build(
    cuda: Annotated[
        bool, typer.Option("--cuda", help="Build the CUDA image instead of the CPU one.")
    ] = False,
    base_image: Annotated[
        str | None,
        typer.Option(
            metavar="IMAGE", help="Base image (default: python:3.11-slim-bookworm, or a CUDA runtime image)."
        ),
    ] = None,
    tag: Annotated[
        str | None, typer.Option(metavar="TAG", help="Image tag (default tpgrade-cpu / tpgrade-cuda).")
    ] = None,
    wheels: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Folder of wheels inside the course folder (default build/wheels-cpu or -cuda).",
            file_okay=False,
        ),
    ] = None,
    download: Annotated[bool, typer.Option(help="Fetch the wheels with pip download first.")] = True,
    torch_index: Annotated[
        str | None,
        typer.Option(metavar="URL", help="Package index for torch (e.g. a CUDA wheel index for --cuda)."),
    ] = None,
) -> None:
    """Build a grading image: wheels fetched on this machine, then a docker build with no network."""
    from tpgrade.sandbox import images

    image = images.plan(cuda, tag, base_image, wheels, download, torch_index)
    built = images.build(image, lambda line: err.print(line, highlight=False, markup=False))
    out.print(f"Built {image.tag} ({built[:19] or 'id unknown'}).")


@image_app.command("status")
@user_errors
def image_status() -> None:
    """Whether each grading image exists, matches this tpgrade, and its size."""
    from tpgrade.sandbox import images

    for state in images.inspect():
        if not state.present:
            out.print(f"{state.tag}: missing (tpgrade image build{' --cuda' if 'cuda' in state.tag else ''})")
        else:
            freshness = "current" if state.current else "out of date: rebuild it"
            out.print(f"{state.tag}: {state.size_bytes / 1e9:.2f} GB, {freshness}")


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM ends a command like Ctrl-C: workers stopped, results kept


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        app()
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_FAILED)


__all__ = ["app", "main"]
