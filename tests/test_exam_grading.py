"""Grading rules per kind of question, and overrides that hold while the answer stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tpgrade.exam.bank import Bank, load_bank
from tpgrade.exam.grading import answer_hash, grade_answer, grade_sheet
from tpgrade.exam.paper import Paper, variant
from tpgrade.exam.schema import Choice, MultipleChoice, Numeric, Ordering, Question, SingleChoice
from tpgrade.exam.sheets import Sheet

REAL = load_bank()


def choices(n: int) -> list[Choice]:
    return [Choice(id="abcdefgh"[i], text=f"proposition {i}") for i in range(n)]


SINGLE = SingleChoice(
    id="s",
    type="single",
    topic="mlp",
    difficulty="easy",
    points=1,
    prompt="Laquelle ?",
    choices=choices(4),
    answer="c",
)
MULTI = MultipleChoice(
    id="m",
    type="multiple",
    topic="mlp",
    difficulty="medium",
    points=2,
    prompt="Lesquelles ?",
    choices=choices(5),
    answers=["a", "d"],
)
MULTI_NEG = MULTI.model_copy(update={"id": "mn", "negative_marking": True})
NUMBER = Numeric(
    id="n",
    type="numeric",
    topic="computations",
    difficulty="medium",
    points=1,
    prompt="Combien ?",
    answer=0.25,
    tolerance=0.01,
    unit="nats",
)
ORDER = Ordering(
    id="o",
    type="ordering",
    topic="training-loop",
    difficulty="medium",
    points=3,
    prompt="Dans quel ordre ?",
    items=choices(4),
    answer=["b", "d", "a", "c"],
)


def bank_of(*questions: Question) -> tuple[Bank, Paper]:
    bank = Bank(exam=REAL.exam, questions={q.id: q for q in questions})
    paper = Paper(
        title="t",
        seed=1,
        questions=[q.id for q in questions],
        variants=2,
        total_points=sum(q.points for q in questions),
    )
    return bank, paper


def score(question: Question, raw: Any) -> float:
    bank, paper = bank_of(question)
    return grade_answer(question, raw, variant(paper, bank, 0)).score


@pytest.mark.parametrize(
    ("raw", "points"),
    [("c", 1), ("C", 1), (" c) ", 1), (["c"], 1), ("b", 0), ("z", 0), ("cd", 0), (3, 0), ("", 0), (None, 0)],
)
def test_single_choice(raw: Any, points: float) -> None:
    assert score(SINGLE, raw) == points


@pytest.mark.parametrize(
    ("raw", "plain", "negative"),
    [
        (["a", "d"], 2, 2),
        ("a, d", 2, 2),
        ("ad", 2, 2),
        (["a"], 2 * 4 / 5, 1),  # one right box forgotten
        (["a", "d", "b"], 2 * 4 / 5, 1),  # one wrong box ticked
        (["a", "b", "c", "d", "e"], 2 * 2 / 5, 0),  # every box: far from full marks
        (["b", "c"], 2 * 1 / 5, 0),  # never below zero
        ([], 0, 0),
    ],
)
def test_multiple_choice_with_and_without_negative_marking(raw: Any, plain: float, negative: float) -> None:
    assert score(MULTI, raw) == pytest.approx(plain)
    assert score(MULTI_NEG, raw) == pytest.approx(negative)


@pytest.mark.parametrize(
    ("raw", "points"),
    [
        (0.25, 1),
        ("0,25", 1),
        ("0.255", 1),
        (" 0,26 nats", 1),
        ("2.5e-1", 1),
        (0.3, 0),
        ("entre 0,2 et 0,3", 0),
        ("beaucoup", 0),
        (True, 0),
        ("nan", 0),
    ],
)
def test_numeric_with_tolerance_and_french_decimals(raw: Any, points: float) -> None:
    assert score(NUMBER, raw) == points


@pytest.mark.parametrize(
    ("raw", "points"),
    [
        (["b", "d", "a", "c"], 3),
        ("b d a c", 3),
        (["d", "b", "a", "c"], 3 * (2 * 5 - 6) / 6),  # one swap of neighbours: tau = 2/3
        (["c", "a", "d", "b"], 0),  # reversed
        (["b", "d", "a"], 0),  # an item missing
        (["b", "b", "a", "c"], 0),
    ],
)
def test_ordering_credit_is_kendall_tau_clipped_at_zero(raw: Any, points: float) -> None:
    assert score(ORDER, raw) == pytest.approx(points)


def test_letters_are_read_in_the_variant_of_the_sheet() -> None:
    bank, paper = bank_of(SINGLE, MULTI)
    for number in range(3):
        shown = variant(paper, bank, number)
        letter = shown.label("s", "c")
        assert grade_answer(SINGLE, letter, shown).score == 1
        assert grade_answer(SINGLE, letter, shown).answer == "c"  # stored in bank terms


def test_an_override_holds_while_the_answer_is_unchanged() -> None:
    short = next(q for q in REAL.questions.values() if q.type == "short")
    bank, paper = bank_of(short, SINGLE)
    sheet = Sheet(variant=0, answers={1: "une réponse hésitante", 2: "c"}, name="", digest="d")
    first = grade_sheet("alice", "alice.yaml", sheet, paper, bank)
    given = first.questions[short.id]
    overrides = {("alice", short.id): (answer_hash(given.answer), short.points)}
    kept = grade_sheet("alice", "alice.yaml", sheet, paper, bank, overrides)
    assert kept.questions[short.id].score == short.points and not kept.questions[short.id].needs_review
    changed = Sheet(variant=0, answers={1: "une autre réponse", 2: "c"}, name="", digest="e")
    redone = grade_sheet("alice", "alice.yaml", changed, paper, bank, overrides)
    assert (
        redone.questions[short.id].score
        == grade_sheet("alice", "a", changed, paper, bank).questions[short.id].score
    )
    assert kept.score == kept.questions[short.id].score + 1


def test_a_sheet_result_explains_each_mistake(tmp_path: Path) -> None:
    bank, paper = bank_of(SINGLE, NUMBER)
    result = grade_sheet(
        "bob", "bob.yaml", Sheet(variant=0, answers={1: "a", 2: "0,9"}, name="", digest="x"), paper, bank
    )
    assert result.score == 0 and result.max_score == 2
    assert "réponse attendue : « proposition 2 »" in result.questions["s"].message
    assert "valeur attendue : 0.25 nats" in result.questions["n"].message
    assert result.questions["s"].message.startswith("Q1 : ")
