"""Papers drawn from the bank, their variants, and the sheets students fill in."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import nbformat
import pytest
import yaml

from tpgrade.errors import UsageError
from tpgrade.exam.bank import load_bank
from tpgrade.exam.paper import draw_paper, options_of, variant
from tpgrade.exam.publish import write_paper
from tpgrade.exam.render import answer_notebook, answer_sheet, paper_markdown
from tpgrade.exam.schema import Ordering
from tpgrade.exam.sheets import SheetRejected, read_sheet

BANK = load_bank()


@pytest.mark.parametrize("seed", range(12))
def test_a_paper_is_balanced_by_topic_difficulty_and_type(seed: int) -> None:
    paper = draw_paper(BANK, seed, variants=2)
    questions = [BANK.questions[q] for q in paper.questions]
    plan = BANK.exam.paper
    assert sum(q.points for q in questions) == pytest.approx(plan.total_points)
    assert max(Counter(q.topic for q in questions).values()) == 1  # one question per topic
    for difficulty, share in plan.difficulty_share.items():
        points = sum(q.points for q in questions if q.difficulty == difficulty)
        assert abs(points / plan.total_points - share) <= 0.1 + 1e-9
    kinds = Counter(q.type for q in questions)
    assert all(kinds[kind] >= count for kind, count in plan.types_min.items())


def test_the_same_seed_gives_the_same_paper_and_another_seed_another() -> None:
    assert draw_paper(BANK, 5) == draw_paper(BANK, 5)
    assert draw_paper(BANK, 5).questions != draw_paper(BANK, 6).questions


def test_an_impossible_plan_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match=r"no paper of 200 points fits.*at most"):
        draw_paper(BANK, 1, total=200)  # beyond what one question per topic can give: said at once


def test_variants_shuffle_questions_and_options_and_map_back() -> None:
    paper = draw_paper(BANK, 2, variants=6)
    base = variant(paper, BANK, 0)
    shuffled = [variant(paper, BANK, n) for n in range(1, 7)]
    assert base.questions == tuple(paper.questions)
    assert any(v.questions != base.questions for v in shuffled)
    assert len({v.questions for v in shuffled}) > 1
    for shown in (base, *shuffled):
        for qid, options in shown.options.items():
            assert sorted(options) == sorted(options_of(BANK.questions[qid]))
            for option in options:
                assert shown.option(qid, shown.label(qid, option)) == option
            question = BANK.questions[qid]
            if isinstance(question, Ordering):
                assert list(options) != question.answer  # never shown in the right order
    assert variant(paper, BANK, 3) == variant(paper, BANK, 3)
    with pytest.raises(UsageError):
        variant(paper, BANK, 7)


def test_every_form_of_a_variant_shows_every_question(tmp_path: Path) -> None:
    paper = draw_paper(BANK, 4, variants=1)
    shown = variant(paper, BANK, 1)
    text = paper_markdown(paper, BANK, shown)
    for qid in shown.questions:
        question = BANK.questions[qid]
        assert f"## Question {shown.position(qid)} " in text
        assert question.prompt.strip()[:40] in text
    notebook = answer_notebook(paper, BANK, shown)
    nbformat.validate(notebook)
    written = write_paper(paper, BANK, tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in written} >= {
        "sujet.md",
        "sujet.html",
        "sujet.ipynb",
        "feuille.yaml",
        "variantes/variante_01.html",
        "variantes/feuille_01.yaml",
        "corrige.md",
    }


def test_a_blank_sheet_reads_back_empty_and_a_filled_one_reads_its_answers(tmp_path: Path) -> None:
    paper = draw_paper(BANK, 8, variants=2)
    shown = variant(paper, BANK, 2)
    blank = tmp_path / "blank.yaml"
    blank.write_text(answer_sheet(paper, BANK, shown), encoding="utf-8")
    sheet = read_sheet(blank, paper)
    assert sheet.variant == 2 and sheet.unknown_keys == ()
    assert set(sheet.answers) == set(range(1, len(paper.questions) + 1))
    assert all(value in (None, "", []) for value in sheet.answers.values())
    filled = yaml.safe_load(blank.read_text(encoding="utf-8"))
    filled["reponses"]["Q1"] = "b"
    filled["reponses"]["Q99"] = "z"
    filled["etudiant"] = "Alice Martin"
    blank.write_text(yaml.safe_dump(filled, allow_unicode=True), encoding="utf-8")
    sheet = read_sheet(blank, paper)
    assert sheet.answers[1] == "b" and sheet.unknown_keys == ("Q99",) and sheet.name == "Alice Martin"


def test_a_notebook_sheet_is_read_without_running_it(tmp_path: Path) -> None:
    paper = draw_paper(BANK, 8, variants=2)
    notebook = answer_notebook(paper, BANK, variant(paper, BANK, 1))
    marker = tmp_path / "ran"
    notebook.cells.append(
        nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w')\nQ1 = 'c'\nQ2 = __import__('os').getcwd()")  # type: ignore[no-untyped-call]
    )
    path = tmp_path / "copie.ipynb"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")  # type: ignore[no-untyped-call]
    sheet = read_sheet(path, paper)
    assert sheet.variant == 1 and sheet.answers[1] == "c" and sheet.answers[2] is None
    assert not marker.exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.yaml", "etudiant: x\nreponses: {Q1: a}\n", "variante manquant"),
        ("b.yaml", "etudiant: x\nvariante: 9\nreponses: {}\n", "entre 0 et 2"),
        ("c.yaml", "reponses: [unclosed\n", "pas du YAML valide"),
        ("d.yaml", "- a\n- b\n", "doit contenir"),
        ("e.ipynb", "{not json", "notebook est illisible"),
        ("f.pdf", "%PDF-1.4", "type de fichier non pris en charge"),
        ("g.yaml", "variante: 1\nx: &a [1, 1]\ny: &b [*a, *a]\nreponses: {Q1: [*b, *b]}\n", "alias YAML"),
    ],
)
def test_unusable_sheets_are_rejected_with_the_reason(
    tmp_path: Path, name: str, content: str, reason: str
) -> None:
    paper = draw_paper(BANK, 8, variants=2)
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SheetRejected, match=reason):
        read_sheet(path, paper)


def test_the_paper_file_records_seed_and_questions(tmp_path: Path) -> None:
    from tpgrade.exam.paper import load_paper, save_paper

    paper = draw_paper(BANK, 9, variants=3)
    path = save_paper(paper, tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["questions"] == paper.questions
    assert load_paper(tmp_path, BANK) == paper
