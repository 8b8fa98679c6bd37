"""Hostile answer sheets: each one is read with a note or rejected with the reason, and
none stalls or crashes the reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml

from tpgrade.exam.bank import load_bank
from tpgrade.exam.grading import MAX_ANSWER_CHARS, grade_answer, grade_sheet
from tpgrade.exam.paper import draw_paper, variant
from tpgrade.exam.schema import Numeric, ShortAnswer
from tpgrade.exam.sheets import SheetRejected, read_sheet

BANK = load_bank()
PAPER = draw_paper(BANK, 8, variants=2)


def yaml_sheet(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def notebook_sheet(tmp_path: Path, *cells: str) -> Path:
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    notebook.cells = [nbformat.v4.new_code_cell("variante = 1"), *map(nbformat.v4.new_code_cell, cells)]  # type: ignore[no-untyped-call]
    path = tmp_path / "copie.ipynb"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")  # type: ignore[no-untyped-call]
    return path


def number_of(kind: type, paper: Any = PAPER) -> int:
    shown = variant(paper, BANK, 1)
    return next(shown.position(q) for q in shown.questions if isinstance(BANK.questions[q], kind))


# (a) notebook sheets: literals only, bounded


@pytest.mark.parametrize(
    "expression",
    [
        "-" * 200_000 + "1",
        " + ".join(["1"] * 200_000),
        "[" * 5_000 + "]" * 5_000,
        "1" * 5_000,
        "10**400",
        "(" * 300 + "'a'" + ")" * 300,
    ],
    ids=["unary-minus", "long-sum", "deep-list", "5000-digits", "power", "deep-parentheses"],
)
def test_a_notebook_expression_too_complex_costs_its_question_only(tmp_path: Path, expression: str) -> None:
    path = notebook_sheet(tmp_path, f"Q2 = {expression}\nQ1 = 'b'")
    sheet = read_sheet(path, PAPER)
    assert sheet.variant == 1 and sheet.answers[1] == "b"
    assert sheet.answers.get(2) is None
    assert any("Q2" in note for note in sheet.notes)


def test_a_notebook_reads_strings_numbers_lists_and_implicit_concatenation(tmp_path: Path) -> None:
    path = notebook_sheet(
        tmp_path,
        "Q1 = ['a', 'c']\nQ2 = -0.25\nQ3 = ('la détection '\n      \"donne une boîte\")\nQ4 = None\nx = compute()",
    )
    sheet = read_sheet(path, PAPER)
    assert sheet.answers[1] == ["a", "c"] and sheet.answers[2] == -0.25
    assert sheet.answers[3] == "la détection donne une boîte" and sheet.answers[4] is None
    assert sheet.notes == ()


def test_a_question_assigned_twice_in_a_notebook_is_noted_with_both_values(tmp_path: Path) -> None:
    sheet = read_sheet(notebook_sheet(tmp_path, "Q1 = 'a'", "Q1 = 'b'"), PAPER)
    assert sheet.answers[1] == "b"
    assert any("« a »" in note and "« b »" in note for note in sheet.notes)


# (b) YAML sheets


def test_yaml_nested_twenty_thousand_levels_is_rejected_with_the_reason(tmp_path: Path) -> None:
    deep = "[" * 20_000 + "]" * 20_000
    with pytest.raises(SheetRejected, match="imbrication"):
        read_sheet(yaml_sheet(tmp_path, f"variante: 1\nreponses:\n  Q1: {deep}\n"), PAPER)


def test_an_impossible_date_is_read_as_text(tmp_path: Path) -> None:
    sheet = read_sheet(
        yaml_sheet(tmp_path, "variante: 1\nreponses:\n  Q3: 2024-13-45\n  Q4: 2024-01-05\n"), PAPER
    )
    assert sheet.answers[3] == "2024-13-45" and sheet.answers[4] == "2024-01-05"


def test_a_five_thousand_digit_integer_is_kept_as_text(tmp_path: Path) -> None:
    digits = "7" * 5_000
    sheet = read_sheet(yaml_sheet(tmp_path, f"variante: 1\nreponses:\n  Q1: {digits}\n"), PAPER)
    assert sheet.answers[1] == digits


@pytest.mark.parametrize("raw", ["10**400", "1" + "0" * 400, int("1" + "0" * 400), "7" * 5_000, "1e400"])
def test_a_huge_number_on_a_numeric_question_is_unreadable_not_a_crash(raw: Any) -> None:
    question = next(q for q in BANK.questions.values() if isinstance(q, Numeric))
    shown = variant(PAPER, BANK, 0)
    graded = grade_answer(question, raw, shown)
    assert graded.score == 0 and "illisible" in graded.message
    assert len(graded.answer) <= 200


def test_a_duplicate_question_key_is_a_rejection_naming_both_values(tmp_path: Path) -> None:
    with pytest.raises(SheetRejected, match=r"Q2.*« a ».*« c »"):
        read_sheet(yaml_sheet(tmp_path, "variante: 1\nreponses:\n  Q2: a\n  Q1: b\n  Q2: c\n"), PAPER)
    with pytest.raises(SheetRejected, match="Q2"):
        read_sheet(yaml_sheet(tmp_path, "variante: 1\nreponses:\n  Q2: a\n  q 2: c\n"), PAPER)


def test_answers_without_their_reponses_block_are_read_with_a_note(tmp_path: Path) -> None:
    sheet = read_sheet(yaml_sheet(tmp_path, "etudiant: Alice\nvariante: 1\nQ1: b\nQ2: [a, c]\n"), PAPER)
    assert sheet.answers[1] == "b" and sheet.answers[2] == ["a", "c"]
    assert any("reponses" in note for note in sheet.notes)


def test_a_sheet_with_no_answer_at_all_is_rejected_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(SheetRejected, match="reponses"):
        read_sheet(yaml_sheet(tmp_path, "etudiant: Alice\nvariante: 1\n"), PAPER)


def test_control_characters_pasted_from_a_pdf_are_removed_with_a_note(tmp_path: Path) -> None:
    text = 'variante: 1\nreponses:\n  Q1: "b"\n  Q2: "la d\x02\x0ctection\x1b[2J donne une bo\x7fîte"\n'
    path = tmp_path / "pdf.yaml"
    path.write_bytes(text.encode("utf-8"))
    sheet = read_sheet(path, PAPER)
    assert sheet.answers[1] == "b"
    assert "\x1b" not in str(sheet.answers[2]) and "\x02" not in str(sheet.answers[2])
    assert any("contrôle" in note for note in sheet.notes)


def test_unknown_tags_and_binary_values_are_rejected_not_built(tmp_path: Path) -> None:
    with pytest.raises(SheetRejected):
        read_sheet(
            yaml_sheet(tmp_path, "variante: 1\nreponses:\n  Q1: !!python/object:os.system ls\n"), PAPER
        )


# (c) answer caps


def test_a_short_answer_is_capped_and_the_rest_reported_never_graded(tmp_path: Path) -> None:
    qid = next(q for q in PAPER.questions if isinstance(BANK.questions[q], ShortAnswer))
    question = BANK.questions[qid]
    assert isinstance(question, ShortAnswer)
    shown = variant(PAPER, BANK, 0)
    filler = "blabla " * (MAX_ANSWER_CHARS // 7 + 10)
    graded = grade_answer(question, filler + question.model_answer, shown)
    assert graded.score == 0  # the right answer sits after the cap: it earns nothing
    assert len(graded.answer) <= MAX_ANSWER_CHARS
    assert "caractères" in graded.message
    sheet_path = yaml_sheet(
        tmp_path,
        yaml.safe_dump(
            {"variante": 0, "reponses": {f"Q{shown.position(qid)}": filler + "fin"}}, allow_unicode=True
        ),
    )
    result = grade_sheet("alice", "s.yaml", read_sheet(sheet_path, PAPER), PAPER, BANK)
    assert result.questions[qid].needs_review
    assert len(result.questions[qid].answer) <= MAX_ANSWER_CHARS
