"""Exam papers: drawn from the bank with a seed, and shuffled variants of them.

A paper is a list of question ids whose points add up to the plan's total,
at most one question per topic, with each difficulty's share of points close
to the plan's and at least the plan's number of questions of each type. A
variant is the same paper with the questions and the choices (or the items
to order) in another order; variant 0 keeps the bank's order. Everything is
derived from the seed, so a paper file only records the seed, the ids and
the number of variants.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tpgrade.errors import InputError, UsageError
from tpgrade.exam.bank import Bank
from tpgrade.exam.schema import (
    DIFFICULTIES,
    MultipleChoice,
    Numeric,
    Ordering,
    Question,
    ShortAnswer,
    SingleChoice,
)

ATTEMPTS = 20000
SHARE_SLACK = 0.1  # how far (in share of the total) a difficulty may stray from the plan
PAPER_FILE = "paper.json"


class Paper(BaseModel):
    """What ``exam build`` writes to ``paper.json``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    seed: int
    questions: list[str] = Field(min_length=1)
    variants: int = Field(ge=0)
    total_points: float

    def version(self, bank: Bank) -> str:
        """A digest of the questions as they are in the bank now (a fixed key changes it)."""
        digest = hashlib.sha256(str(self.seed).encode())
        for qid in self.questions:
            digest.update(bank.questions[qid].model_dump_json().encode())
        return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Variant:
    """One shuffled form of a paper: question order, and the shown order of each question's options."""

    number: int
    questions: tuple[str, ...]
    options: dict[str, tuple[str, ...]]  # question id -> option ids (bank ids) in shown order

    def label(self, qid: str, option: str) -> str:
        """The letter shown for a bank option id."""
        return string.ascii_lowercase[self.options[qid].index(option)]

    def option(self, qid: str, label: str) -> str | None:
        """The bank option id behind a shown letter (``None`` if there is no such letter)."""
        index = string.ascii_lowercase.find(label)
        shown = self.options.get(qid, ())
        return shown[index] if 0 <= index < len(shown) and len(label) == 1 else None

    def position(self, qid: str) -> int:
        """The question's number on this variant (1-based)."""
        return self.questions.index(qid) + 1


def options_of(question: Question) -> tuple[str, ...]:
    match question:
        case SingleChoice() | MultipleChoice():
            return tuple(c.id for c in question.choices)
        case Ordering():
            return tuple(i.id for i in question.items)
        case Numeric() | ShortAnswer():
            return ()
        case _:
            assert_never(question)


def _difficulty_ok(bank: Bank, chosen: list[str], total: float) -> bool:
    shares = bank.exam.paper.difficulty_share
    for difficulty in DIFFICULTIES:
        points = sum(bank.questions[q].points for q in chosen if bank.questions[q].difficulty == difficulty)
        if abs(points / total - shares.get(difficulty, 0.0)) > SHARE_SLACK + 1e-9:
            return False
    return True


def _attempt(
    bank: Bank, by_topic: dict[str, list[Question]], rng: random.Random, total: float
) -> list[str] | None:
    plan = bank.exam.paper
    topics = sorted(by_topic)
    rng.shuffle(topics)
    chosen: list[Question] = []
    used: set[str] = set()
    for kind, count in sorted(plan.types_min.items()):
        for _ in range(count):
            pool = [q for t in topics if t not in used for q in by_topic[t] if q.type == kind]
            if not pool:
                return None
            pick = rng.choice(pool)
            chosen.append(pick)
            used.add(pick.topic)
    targets = {d: plan.difficulty_share.get(d, 0.0) * total for d in DIFFICULTIES}
    for topic in topics:
        have = sum(q.points for q in chosen)
        if abs(have - total) < 1e-9:
            break
        if topic in used:
            continue
        pool = [q for q in by_topic[topic] if q.points <= total - have + 1e-9]
        if not pool:
            continue
        missing = {d: targets[d] - sum(q.points for q in chosen if q.difficulty == d) for d in DIFFICULTIES}
        wanted = max((q.difficulty for q in pool), key=lambda d: missing[d])
        pick = rng.choice([q for q in pool if q.difficulty == wanted])
        chosen.append(pick)
        used.add(topic)
    ids = [q.id for q in chosen]
    if abs(sum(q.points for q in chosen) - total) > 1e-9 or not _difficulty_ok(bank, ids, total):
        return None
    return ids


def draw_paper(bank: Bank, seed: int, variants: int = 0, total: float | None = None) -> Paper:
    """A paper balanced by topic, difficulty and type; the same seed gives the same paper."""
    total = bank.exam.paper.total_points if total is None else total
    by_topic: dict[str, list[Question]] = {}
    for question in bank.questions.values():
        by_topic.setdefault(question.topic, []).append(question)
    most = sum(max(q.points for q in questions) for questions in by_topic.values())
    if total > most + 1e-9:  # no search can reach it: say so at once
        raise UsageError(
            f"no paper of {total:g} points fits the plan of exam.yaml with this bank: one question "
            f"per topic gives at most {most:g} points; add topics or lower the total"
        )
    for attempt in range(ATTEMPTS):
        ids = _attempt(bank, by_topic, random.Random(f"{seed}:{attempt}"), total)
        if ids is not None:
            order = {qid: index for index, qid in enumerate(bank.questions)}
            ids.sort(key=lambda qid: order[qid])
            return Paper(
                title=bank.exam.title, seed=seed, questions=ids, variants=variants, total_points=total
            )
    raise UsageError(
        f"no paper of {total:g} points fits the plan of exam.yaml with this bank "
        "(one question per topic, the difficulty shares, the minimum per type): "
        "add questions or loosen the plan"
    )


def variant(paper: Paper, bank: Bank, number: int) -> Variant:
    """Variant ``number`` of the paper (0: the bank's order; 1..variants: shuffled)."""
    if not 0 <= number <= paper.variants:
        raise UsageError(f"this paper has variants 0 to {paper.variants}, not {number}")
    rng = random.Random(f"{paper.seed}:variant:{number}")
    questions = list(paper.questions)
    options = {qid: list(options_of(bank.questions[qid])) for qid in questions}
    if number > 0:
        rng.shuffle(questions)
        for shown in options.values():
            rng.shuffle(shown)
    for qid, shown in options.items():  # items to order are never shown in the right order
        question = bank.questions[qid]
        if isinstance(question, Ordering) and shown == question.answer:
            shown.reverse()
    return Variant(number, tuple(questions), {qid: tuple(v) for qid, v in options.items() if v})


def save_paper(paper: Paper, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PAPER_FILE
    path.write_text(json.dumps(paper.model_dump(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_paper(path: Path, bank: Bank) -> Paper:
    """The paper in ``path`` (a ``paper.json`` or the folder holding it), checked against the bank."""
    file = path / PAPER_FILE if path.is_dir() else path
    try:
        paper = Paper.model_validate_json(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"cannot read the paper {file}: {exc.strerror}; make one with `tpgrade exam build`"
        ) from None
    except ValidationError as exc:
        raise InputError(
            f"{file} is not a paper written by `tpgrade exam build` ({exc.error_count()} errors)"
        ) from None
    missing = [q for q in paper.questions if q not in bank.questions]
    if missing:
        raise InputError(f"{file}: questions no longer in the bank: {', '.join(missing)}")
    return paper
