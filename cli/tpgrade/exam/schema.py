"""The question bank's schema: what a bank file and the exam file may hold.

Bank files are YAML, written by instructors; every rule here produces an
error that names the file, the question id and the field (see
:mod:`tpgrade.exam.bank`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Difficulty = Literal["easy", "medium", "hard"]
QuestionType = Literal["single", "multiple", "numeric", "ordering", "short"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")
QuestionId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
ChoiceId = Annotated[str, Field(pattern=r"^[a-z]$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(Strict):
    id: ChoiceId
    text: str = Field(min_length=1)


class BaseQuestion(Strict):
    id: QuestionId
    topic: str = ""  # filled from the bank file's topic when left out
    difficulty: Difficulty
    points: float = Field(gt=0, le=10)
    prompt: str = Field(min_length=5)
    explanation: str = ""  # shown in the feedback after grading


def _check_choice_ids(choices: list[Choice], named: list[str], field: str) -> None:
    ids = [c.id for c in choices]
    if len(set(ids)) != len(ids):
        raise ValueError("choices: two share an id")
    unknown = sorted(set(named) - set(ids))
    if unknown:
        raise ValueError(f"{field} names choices that do not exist: {', '.join(unknown)}")


class SingleChoice(BaseQuestion):
    """One right choice among several."""

    type: Literal["single"]
    choices: list[Choice] = Field(min_length=2, max_length=8)
    answer: ChoiceId

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> SingleChoice:
        _check_choice_ids(self.choices, [self.answer], "answer")
        return self


class MultipleChoice(BaseQuestion):
    """Several right choices.

    Without ``negative_marking``, each choice is a true/false item: the credit
    is the share of choices ticked or left as they should be (ticking every
    box does not earn full marks). With it, each right tick earns
    ``points / len(answers)``, each wrong tick costs as much, and the question
    never goes below zero.
    """

    type: Literal["multiple"]
    choices: list[Choice] = Field(min_length=3, max_length=8)
    answers: list[ChoiceId] = Field(min_length=1)
    negative_marking: bool = False

    @model_validator(mode="after")
    def _answers_are_choices(self) -> MultipleChoice:
        _check_choice_ids(self.choices, self.answers, "answers")
        if len(set(self.answers)) != len(self.answers):
            raise ValueError("answers lists a choice twice")
        return self


class Numeric(BaseQuestion):
    """A number, right within an absolute and/or relative tolerance."""

    type: Literal["numeric"]
    answer: float
    tolerance: float = Field(default=0.0, ge=0)
    relative_tolerance: float = Field(default=0.0, ge=0, lt=1)
    unit: str = ""

    def accepts(self, value: float) -> bool:
        bound = max(self.tolerance, self.relative_tolerance * abs(self.answer))
        return abs(value - self.answer) <= bound + 1e-12 * max(1.0, abs(self.answer))


class Ordering(BaseQuestion):
    """Items to put in order; ``answer`` is the right order of their ids.

    Credit is Kendall's tau between the given and the right order, clipped at
    zero: the right order earns full marks, one swap of neighbours among four
    items two thirds, an order no better than chance nothing.
    """

    type: Literal["ordering"]
    items: list[Choice] = Field(min_length=3, max_length=8)
    answer: list[ChoiceId]

    @model_validator(mode="after")
    def _answer_is_a_permutation(self) -> Ordering:
        if sorted(self.answer) != sorted(i.id for i in self.items) or len(set(self.answer)) != len(
            self.answer
        ):
            raise ValueError("answer must list every item id exactly once")
        return self


class Claim(Strict):
    """A statement: what it is about (``subject``, any of these phrasings) and what is said
    of it (any of ``phrasings``). Without a subject, the question's own subject is meant."""

    subject: list[str] = Field(default_factory=list)
    phrasings: list[str] = Field(min_length=1)
    implied: bool = False


class KeyIdea(Strict):
    """One idea a short answer must contain: a claim, and the claims that mimic it.

    A phrasing matches when its content words (accents, case, inflections and
    word order set aside) occur in one clause of the answer, with the clause's
    polarity. With a ``subject``, the phrasing must be said of it: the clause's
    subject (named there, or carried from the clause before) must be one of
    these phrasings; ``implied`` lets a clause that names no subject at all
    count as being about it (the prompt names it). ``unless`` lists the classic
    wrong claims that reuse the idea's words (a role swap, a confusion): a
    plain string is a phrasing said of the idea's own subject, a mapping a
    claim with a subject of its own. An answer stating one does not earn the
    idea. ``failure`` marks an idea that names what goes wrong (what the remedy
    avoids: "sinon le réseau pourrait recopier l'entrée"): given as a goal ("pour
    que le réseau recopie l'entrée"), it is the opposite claim.
    """

    idea: str = Field(min_length=3)
    points: float = Field(gt=0)
    phrasings: list[str] = Field(min_length=1)
    subject: list[str] = Field(default_factory=list)
    implied: bool = False
    unless: list[str | Claim] = Field(default_factory=list)
    failure: bool = False

    @model_validator(mode="after")
    def _implied_needs_a_subject(self) -> KeyIdea:
        if self.implied and not self.subject:
            raise ValueError("implied means a subject named by the prompt: give the subject")
        return self

    def unless_claims(self) -> list[Claim]:
        """Every ``unless`` entry as a claim (a string takes the idea's subject)."""
        return [
            entry
            if isinstance(entry, Claim)
            else Claim(subject=self.subject, phrasings=[entry], implied=self.implied)
            for entry in self.unless
        ]


class ShortAnswer(BaseQuestion):
    """A few sentences, graded against a rubric of key ideas."""

    type: Literal["short"]
    rubric: list[KeyIdea] = Field(min_length=1, max_length=6)
    model_answer: str = Field(min_length=10)

    @model_validator(mode="after")
    def _rubric_sums_to_points(self) -> ShortAnswer:
        total = sum(k.points for k in self.rubric)
        if abs(total - self.points) > 1e-9:
            raise ValueError(
                f"the rubric's points add up to {total:g}, the question is worth {self.points:g}"
            )
        return self


Question = Annotated[
    SingleChoice | MultipleChoice | Numeric | Ordering | ShortAnswer, Field(discriminator="type")
]


class BankFile(Strict):
    """One YAML file of the bank: questions on one topic."""

    topic: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    questions: list[Question] = Field(min_length=1)


class Topic(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=3)  # in French, shown on papers and reports


def _default_shares() -> dict[Difficulty, float]:
    return {"easy": 0.35, "medium": 0.45, "hard": 0.2}


def _default_types() -> dict[QuestionType, int]:
    return {"short": 2, "numeric": 2, "ordering": 1, "multiple": 2}


class PaperPlan(Strict):
    """What a drawn paper holds: its total, and its share of points per difficulty."""

    total_points: float = Field(default=20, gt=0)
    difficulty_share: dict[Difficulty, float] = Field(default_factory=_default_shares)
    review_threshold: float = Field(default=0.75, gt=0, le=1)  # short answers below it go to review
    types_min: dict[QuestionType, int] = Field(default_factory=_default_types)

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> PaperPlan:
        if abs(sum(self.difficulty_share.values()) - 1) > 1e-6:
            raise ValueError("difficulty_share must add up to 1")
        return self


class ExamFile(Strict):
    """``assignments/exam/exam.yaml``: the exam's title, its topics and the paper plan."""

    title: str
    duration_minutes: int = Field(default=90, gt=0)
    topics: list[Topic] = Field(min_length=1)
    paper: PaperPlan = Field(default_factory=PaperPlan)
