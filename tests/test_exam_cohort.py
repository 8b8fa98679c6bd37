"""A simulated cohort of 60 answer sheets through the exam commands: scores within a point of
the truth, the ambiguous question found by the item analysis, review decisions kept."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
import yaml
from exam_simulation import simulate_cohort
from typer.testing import CliRunner

from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.cohort.store import Store
from tpgrade.commands.app import app
from tpgrade.exam.bank import exam_dir, load_bank
from tpgrade.exam.grading import EXAM_DAY
from tpgrade.exam.paper import Paper, draw_paper, load_paper, save_paper, variant
from tpgrade.exam.schema import ShortAnswer
from tpgrade.models import SubmissionResult

# Grades cohorts of sheets in worker processes: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow

AMBIGUOUS = """
topic: perceptron
questions:
  - id: perceptron-ambigu
    type: single
    difficulty: easy
    points: 1
    prompt: "Un perceptron à une couche, avec une fonction d'activation en escalier, est-il un modèle linéaire ?"
    choices:
      - {id: a, text: "Oui : sa frontière de décision est un hyperplan."}
      - {id: b, text: "Non : sa sortie n'est pas une fonction linéaire de l'entrée."}
      - {id: c, text: "Cela dépend du nombre d'entrées."}
    answer: b
"""


def course_with_ambiguous_question(tmp_path: Path) -> Path:
    folder = tmp_path / "exam"
    shutil.copytree(exam_dir(), folder)
    (folder / "bank" / "zz-ambigu.yaml").write_text(AMBIGUOUS, encoding="utf-8")
    return folder


def paper_with(bank_dir: Path, tmp_path: Path) -> Path:
    """A drawn 20-point paper where the ambiguous question replaces a one-point single choice."""
    bank = load_bank(bank_dir)
    drawn = draw_paper(bank, seed=11, variants=3)
    replaced = next(
        q for q in drawn.questions if bank.questions[q].type == "single" and bank.questions[q].points == 1
    )
    questions = [("perceptron-ambigu" if q == replaced else q) for q in drawn.questions]
    paper = Paper(title=drawn.title, seed=drawn.seed, questions=questions, variants=3, total_points=20)
    save_paper(paper, tmp_path / "paper")
    return tmp_path / "paper"


def invoke(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow
def test_sixty_simulated_students_within_one_point_and_the_ambiguous_question_last(tmp_path: Path) -> None:
    bank_dir = course_with_ambiguous_question(tmp_path)
    paper_dir = paper_with(bank_dir, tmp_path)
    bank = load_bank(bank_dir)
    paper = load_paper(paper_dir, bank)
    cohort = simulate_cohort(
        paper, bank, tmp_path / "sheets", count=60, seed=5, ambiguous="perceptron-ambigu"
    )
    store = tmp_path / "store.sqlite"
    invoke(
        "exam",
        "grade",
        str(paper_dir),
        str(tmp_path / "sheets"),
        "--store",
        str(store),
        "--bank",
        str(bank_dir),
    )
    results = {r.student: r for r in SqliteStore(store).latest(EXAM_DAY)}
    assert len(results) == 60 and all(r.status == "graded" and r.max_score == 20 for r in results.values())
    automatic: dict[str, float] = {}  # error on the answers graded without review
    for simulated in cohort:
        questions = results[simulated.student].questions
        automatic[simulated.student] = sum(
            q.score - simulated.truth[qid] for qid, q in questions.items() if not q.needs_review
        )
    everything = {s.student: results[s.student].score - s.true_score for s in cohort}
    reviews = sum(q.needs_review for r in results.values() for q in r.questions.values())
    print(
        f"automatic parts: largest error {max(map(abs, automatic.values())):.2f}, mean absolute "
        f"{sum(map(abs, automatic.values())) / 60:.3f}; with no review at all: largest "
        f"{max(map(abs, everything.values())):.2f}; {reviews} answers sent to review"
    )
    assert max(map(abs, automatic.values())) <= 1.0 + 1e-3  # scores are kept to 4 decimals
    # Without review, a list of keywords counts 0 (it is never given full marks unread): up to
    # a short question or two off for a student who wrote one.
    assert max(map(abs, everything.values())) <= 3.0 + 1e-3
    assert len({s.true_score for s in cohort}) > 20  # the abilities do spread the scores

    invoke(
        "exam",
        "report",
        str(paper_dir),
        "--store",
        str(store),
        "--bank",
        str(bank_dir),
        "--out",
        str(tmp_path / "out"),
    )
    page = (tmp_path / "out" / "items_exam.html").read_text(encoding="utf-8")
    rows = [line for line in page.split("<tr>")[2:]]
    assert "perceptron-ambigu" in rows[0]  # worst point-biserial first
    assert "discrimination négative" in rows[0] or "discrimine mal" in rows[0]
    assert (tmp_path / "out" / "gradebook_exam.csv").is_file()
    assert (tmp_path / "out" / "feedback" / "etudiant_00.html").is_file()


def open_results(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[list[str], Callable[[], Store]]:
    """The options that name the store of the test's backend, and a way to open it."""
    if request.param == "sqlite":
        store = tmp_path / "store.sqlite"
        return ["--store", str(store)], lambda: SqliteStore(store)
    from tpgrade.cohort.postgres_store import PostgresStore

    url = request.getfixturevalue("database_url")
    PostgresStore.create(url).close()  # what `tpgrade db init` does
    return ["--database", url], lambda: PostgresStore(url)


def latest_sheets(opened: Callable[[], Store]) -> list[SubmissionResult]:
    store = opened()
    try:
        return store.latest(EXAM_DAY)
    finally:
        store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[list[str], Callable[[], Store]]:
    return open_results(request, tmp_path)


def test_build_answer_review_and_keep_the_decisions(
    tmp_path: Path, backend: tuple[list[str], Callable[[], Store]]
) -> None:
    where, opened = backend
    paper_dir = tmp_path / "paper"
    invoke("exam", "build", "--seed", "3", "--variants", "2", "--out", str(paper_dir))
    bank = load_bank()
    paper = load_paper(paper_dir, bank)
    assert (paper_dir / "variantes" / "feuille_02.yaml").is_file() and (paper_dir / "corrige.md").is_file()
    shorts = [q for q in paper.questions if bank.questions[q].type == "short"]
    assert shorts
    sheet = yaml.safe_load((paper_dir / "variantes" / "feuille_01.yaml").read_text(encoding="utf-8"))
    shown = variant(paper, bank, 1)
    # A hedged answer that names the first idea's words only in part: the matcher cannot be sure;
    # it also holds console markup, which the review must print as text.
    first = bank.questions[shorts[0]]
    assert isinstance(first, ShortAnswer)
    words = first.rubric[0].phrasings[0].split()
    sheet["reponses"][f"Q{shown.position(shorts[0])}"] = (
        "[/bold] peut-être " + " ".join(words[: max(1, len(words) - 1)]) + ", je crois"
    )
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    (sheets / "alice.yaml").write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    graded = invoke("exam", "grade", str(paper_dir), str(sheets), *where)
    pending = [q for q in latest_sheets(opened)[0].questions.values() if q.needs_review]
    if not pending:
        pytest.fail(f"the hedged answer should wait for review: {graded}")
    assert "exam review" in graded
    answers = "".join(f"{min(0.5, q.max_score)}\n" for q in pending)
    reviewed = invoke("exam", "review", str(paper_dir), str(sheets), *where, input=answers)
    assert f"{len(pending)} decision(s) stored; 0 answer(s) still to review" in reviewed
    again_graded = invoke("exam", "grade", str(paper_dir), str(sheets), *where)  # re-grading keeps them
    assert "1 already in the store" in again_graded
    again = latest_sheets(opened)[0]
    for question in pending:
        kept = again.questions[question.name]
        assert kept.score == min(0.5, question.max_score) and not kept.needs_review
        assert "noté par l'enseignant" in kept.message
    nothing = invoke("exam", "review", str(paper_dir), str(sheets), *where)
    assert "Nothing to review" in nothing
    reported = invoke("exam", "report", str(paper_dir), *where, "--out", str(tmp_path / "out"))
    assert "still wait for review" not in reported
    assert "alice" in (tmp_path / "out" / "gradebook_exam.csv").read_text(encoding="utf-8")


def honest_and_hostile_sheets(paper_dir: Path, folder: Path, honest: int) -> dict[str, str]:
    """``honest`` copies of variant 1's sheet with answers, and one sheet of each hostile kind;
    returns the hostile sheets' students and what must be said of each."""
    bank = load_bank()
    paper = load_paper(paper_dir, bank)
    shown = variant(paper, bank, 1)
    folder.mkdir()
    sheet = yaml.safe_load((paper_dir / "variantes" / "feuille_01.yaml").read_text(encoding="utf-8"))
    for qid in shown.questions:
        question = bank.questions[qid]
        key = f"Q{shown.position(qid)}"
        if question.type == "short":
            sheet["reponses"][key] = question.model_answer
        elif question.type == "single":
            sheet["reponses"][key] = shown.label(qid, question.answer)
    for index in range(honest):
        sheet["etudiant"] = f"honnete_{index:03d}"
        (folder / f"honnete_{index:03d}.yaml").write_text(
            yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8"
        )
    short = next(f"Q{shown.position(q)}" for q in shown.questions if bank.questions[q].type == "short")
    hostile = {
        "profond": ("variante: 1\nreponses:\n  Q1: " + "[" * 20_000 + "]" * 20_000 + "\n", "imbrication"),
        "date": ("variante: 1\nreponses:\n  Q3: 2024-13-45\n", ""),
        "chiffres": ("variante: 1\nreponses:\n  Q1: " + "9" * 5_000 + "\n", ""),
        "doublon": ("variante: 1\nreponses:\n  Q1: a\n  Q1: b\n", "deux fois"),
        "sansbloc": ("variante: 1\nQ1: a\n", "reponses"),
        "controle": ('variante: 1\nreponses:\n  Q1: "a\x07"\n', "contrôle"),
        "enorme": (yaml.safe_dump({"variante": 1, "reponses": {short: "mot " * 450_000}}), "caractères"),
        "motscles": (
            yaml.safe_dump({"variante": 1, "reponses": {short: "boîte, pixel, gradient, dropout"}}),
            "",
        ),
        "echappe": (
            yaml.safe_dump({"variante": 1, "reponses": {short: "\x1b[2J\x1b]0;pwned\x07 bonjour"}}),
            "",
        ),
    }
    for name, (text, _) in hostile.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    notebook.cells = [
        nbformat.v4.new_code_cell("variante = 1"),  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell("Q1 = " + "-" * 200_000 + "1"),  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell("Q2 = " + " + ".join(["1"] * 200_000)),  # type: ignore[no-untyped-call]
    ]
    (folder / "moins.ipynb").write_text(nbformat.writes(notebook), encoding="utf-8")  # type: ignore[no-untyped-call]
    said = {name: reason for name, (_, reason) in hostile.items()}
    said["moins"] = "Q1"
    return said


@pytest.mark.slow
def test_hostile_sheets_among_honest_ones_every_honest_sheet_graded_and_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tpgrade.exam import cohort
    from tpgrade.exam.cohort import grade_cohort

    monkeypatch.setattr(cohort, "PARALLEL_FROM", 4)  # in worker processes, however few the sheets

    paper_dir = tmp_path / "paper"
    invoke("exam", "build", "--seed", "3", "--variants", "2", "--out", str(paper_dir))
    hostile = honest_and_hostile_sheets(paper_dir, tmp_path / "sheets", honest=12)
    bank = load_bank()
    paper = load_paper(paper_dir, bank)
    store = SqliteStore(tmp_path / "store.sqlite")
    grades = grade_cohort([tmp_path / "sheets"], paper, bank, store, workers=2)
    stored = {r.student: r for r in store.latest(EXAM_DAY)}
    assert len(stored) == 12 + len(hostile)
    honest = [r for s, r in stored.items() if s.startswith("honnete")]
    assert len(honest) == 12 and all(r.status == "graded" and r.score > 0 for r in honest)
    assert len({r.score for r in honest}) == 1
    for student, reason in hostile.items():
        result = stored[student]
        assert result.status in ("graded", "rejected"), (student, result.message)
        assert (
            result.status == "rejected"
            or result.message
            or any(q.needs_review or q.score == 0 for q in result.questions.values())
        ), student
        if reason:
            told = result.message + " ".join(q.message for q in result.questions.values())
            assert reason in told, (student, told)
    assert all(r.status != "error" for r in grades.results)
    assert stored["echappe"].status == "graded"  # an escape written as "\e" is kept, shown escaped


def test_each_sheet_is_stored_as_soon_as_graded_and_a_rerun_grades_only_the_rest(tmp_path: Path) -> None:
    from tpgrade.exam.cohort import grade_cohort

    paper_dir = tmp_path / "paper"
    invoke("exam", "build", "--seed", "3", "--variants", "2", "--out", str(paper_dir))
    honest_and_hostile_sheets(paper_dir, tmp_path / "sheets", honest=8)
    bank = load_bank()
    paper = load_paper(paper_dir, bank)
    path = tmp_path / "store.sqlite"
    seen: list[str] = []

    def stop_after_three(result: SubmissionResult) -> None:
        seen.append(result.student)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade_cohort([tmp_path / "sheets"], paper, bank, SqliteStore(path), on_done=stop_after_three)
    assert len(SqliteStore(path).latest(EXAM_DAY)) == 3  # stored as they came
    again = grade_cohort([tmp_path / "sheets"], paper, bank, SqliteStore(path))
    assert again.reused == 3
    parallel = grade_cohort([tmp_path / "sheets"], paper, bank, SqliteStore(path), workers=2)
    assert parallel.reused == len(parallel.results)
    assert sorted((r.student, r.score) for r in parallel.results) == sorted(
        (r.student, r.score) for r in again.results
    )


def test_the_review_screen_shows_escaped_text_the_decision_and_why(tmp_path: Path) -> None:
    paper_dir = tmp_path / "paper"
    invoke("exam", "build", "--seed", "3", "--variants", "2", "--out", str(paper_dir))
    bank = load_bank()
    paper = load_paper(paper_dir, bank)
    shown = variant(paper, bank, 1)
    qid = next(q for q in shown.questions if bank.questions[q].type == "short")
    question = bank.questions[qid]
    assert isinstance(question, ShortAnswer)
    words = question.rubric[0].phrasings[0]
    sheet = yaml.safe_load((paper_dir / "variantes" / "feuille_01.yaml").read_text(encoding="utf-8"))
    sheet["reponses"][f"Q{shown.position(qid)}"] = f"{words}, [red]peut-être[/red] \u202eesrever\u202c"
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    (sheets / "alice.yaml").write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    store = tmp_path / "store.sqlite"
    invoke("exam", "grade", str(paper_dir), str(sheets), "--store", str(store), "--workers", "1")
    screen = invoke("exam", "review", str(paper_dir), str(sheets), "--store", str(store), input="s\n" * 40)
    assert "\u202e" not in screen and "\\u202e" in screen  # a bidi override is shown, not obeyed
    assert "[red]peut-être[/red]" in screen  # console markup from the answer is printed as text
    assert "why:" in screen and "Décision proposée" in screen
    assert f"« {words}" in screen or "keywords" in screen  # the claim behind the decision
