"""Simulated exam takers: answer sheets written from a known ability, with known true scores.

Each student has an ability drawn from a normal law; the chance of knowing a
question follows a logistic curve in ability minus the question's
difficulty. A student who knows a question writes the right answer (for a
short answer, the model answer); one who does not writes a plausible wrong
one (a distractor, a wrong number, a reversed order; for a short answer, one
of the hand-labelled answers of ``tests/fixtures/exam`` with every idea or with
none, else the model answer or an answer on something else). True scores are
computed here from the rules as documented and the hand labels, not with
tpgrade's grading code.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tpgrade.exam.bank import Bank
from tpgrade.exam.paper import Paper, Variant, variant
from tpgrade.exam.schema import MultipleChoice, Numeric, Ordering, ShortAnswer, SingleChoice

LEVEL = {"easy": -1.0, "medium": 0.0, "hard": 1.0}
LABELLED = Path(__file__).parent / "fixtures" / "exam" / "short_answers.yaml"
OFF_TOPIC = [
    "Je ne sais pas.",
    "La météo de demain sera ensoleillée sur toute la région.",
    "On utilise une base de données relationnelle avec des index.",
]


@dataclass(frozen=True)
class Simulated:
    student: str
    ability: float
    true_score: float
    sheet: Path
    truth: dict[str, float]  # per question id


def _kendall_credit(given: list[str], right: list[str]) -> float:
    pairs = [(a, b) for i, a in enumerate(right) for b in right[i + 1 :]]
    concordant = sum(given.index(a) < given.index(b) for a, b in pairs)
    return max(0.0, (2 * concordant - len(pairs)) / len(pairs))


def _answer(question: Any, shown: Variant, knows: bool, rng: random.Random) -> tuple[Any, float]:
    """The raw answer written on the sheet and the points it truly deserves."""
    if isinstance(question, SingleChoice):
        wrong = [c.id for c in question.choices if c.id != question.answer]
        pick = question.answer if knows else rng.choice(wrong)
        return shown.label(question.id, pick), question.points * (pick == question.answer)
    if isinstance(question, MultipleChoice):
        options = [c.id for c in question.choices]
        ticked = set(question.answers)
        if not knows:  # one right box forgotten and one wrong box ticked, when there are such boxes
            missing = sorted(ticked)[:1] if len(ticked) > 1 else []
            extra = [o for o in options if o not in ticked][:1]
            ticked = (ticked - set(missing)) | set(extra)
        right = set(question.answers)
        if question.negative_marking:
            unit = question.points / len(right)
            truth = max(0.0, unit * (len(ticked & right) - len(ticked - right)))
        else:
            truth = question.points * sum((o in ticked) == (o in right) for o in options) / len(options)
        return sorted(shown.label(question.id, o) for o in ticked), truth
    if isinstance(question, Numeric):
        value = question.answer if knows else question.answer * 2 + 7
        text = f"{value:g}".replace(".", ",") if rng.random() < 0.3 else value
        return text, question.points * knows
    if isinstance(question, Ordering):
        order = list(question.answer) if knows else list(reversed(question.answer))
        return [shown.label(question.id, o) for o in order], question.points * _kendall_credit(
            order, question.answer
        )
    assert isinstance(question, ShortAnswer)
    # Answers written and labelled by hand when there are some: what a human grader would give.
    labelled = [e for e in _labelled() if e["question"] == question.id and e["kind"] != "empty"]
    full = [e for e in labelled if len(e["ideas"]) == len(question.rubric)]
    none = [e for e in labelled if not e["ideas"]]
    pool = full if knows else none
    if pool:
        entry = rng.choice(pool)
        return entry["answer"], sum(question.rubric[i].points for i in entry["ideas"])
    if knows:
        return question.model_answer, question.points
    return rng.choice(OFF_TOPIC), 0.0


@functools.cache
def _labelled() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["answers"]
    return entries


def simulate_cohort(
    paper: Paper, bank: Bank, folder: Path, count: int, seed: int, ambiguous: str | None = None
) -> list[Simulated]:
    """``count`` YAML sheets under ``folder``. On ``ambiguous``, a question with two defensible
    answers, the strongest students are the likeliest to pick the one the key does not hold."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    students: list[Simulated] = []
    for index in range(count):
        ability = rng.gauss(0.0, 1.0)
        shown = variant(paper, bank, index % (paper.variants + 1))
        answers: dict[str, Any] = {}
        truth: dict[str, float] = {}
        for qid in shown.questions:
            question = bank.questions[qid]
            if qid == ambiguous:
                chance = min(0.9, max(0.1, 0.5 - 0.15 * ability))
            else:
                chance = 1 / (1 + math.exp(-1.7 * (ability - LEVEL[question.difficulty])))
            raw, points = _answer(question, shown, rng.random() < chance, rng)
            answers[f"Q{shown.position(qid)}"] = raw
            truth[qid] = points
        name = f"etudiant_{index:02d}"
        sheet = folder / f"{name}.yaml"
        sheet.write_text(
            yaml.safe_dump(
                {"etudiant": name, "variante": shown.number, "reponses": answers}, allow_unicode=True
            ),
            encoding="utf-8",
        )
        students.append(Simulated(name, ability, sum(truth.values()), sheet, truth))
    return students
