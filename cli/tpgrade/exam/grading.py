"""Grading one answer sheet against the paper: exact for choices, numbers and orders, by
rubric for short answers, with the instructor's overrides applied.

Answers are kept in bank terms (choice ids, not the variant's letters), so
that every variant's sheets add up in the item analysis.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any, assert_never

from tpgrade.exam.bank import Bank
from tpgrade.exam.paper import Paper, Variant, variant
from tpgrade.exam.rubric import grade_short
from tpgrade.exam.schema import MultipleChoice, Numeric, Ordering, Question, ShortAnswer, SingleChoice
from tpgrade.exam.sheets import Sheet
from tpgrade.models import QuestionResult, QuestionStatus, SubmissionResult, TestResult

EXAM_DAY = "exam"
# The most of a short answer that is graded, stored and shown in review: the reviewer sees
# every character that can earn points; anything after it is reported, never graded.
MAX_ANSWER_CHARS = 2000
_LONGEST_NUMBER = 60  # characters of a written number
_NUMBER = re.compile(r"[-+−]?\d[\d\u202f\u00a0 ]*(?:[.,]\d+)?(?:[eE][-+]?\d+)?")
Overrides = dict[tuple[str, str], tuple[str, float]]


@dataclass(frozen=True)
class Graded:
    score: float
    message: str
    answer: str
    confidence: float = 1.0
    tests: tuple[TestResult, ...] = ()


def answer_hash(answer: str) -> str:
    return hashlib.sha256(answer.encode()).hexdigest()[:16]


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str | list | tuple) and not [x for x in raw if str(x).strip()])


def _letters(raw: Any) -> list[str] | None:
    """Letters from ``[a, c]``, ``"a, c"`` or ``"ac"``; ``None`` if it is not letters."""
    if isinstance(raw, list | tuple):
        items = [str(x).strip().lower().rstrip(").") for x in raw]
        return items if all(re.fullmatch(r"[a-z]", x) for x in items) else None
    if isinstance(raw, str):
        text = raw.strip().lower()
        return re.findall(r"[a-z]", text) if re.fullmatch(r"[a-z\s,;.)\-]+", text) else None
    return None


def _to_ids(letters: list[str], shown: Variant, qid: str) -> list[str] | None:
    ids = [shown.option(qid, letter) for letter in letters]
    return None if any(i is None for i in ids) else [i for i in ids if i is not None]


def _as_text(raw: Any, limit: int | None = None) -> str:
    """``raw`` as text (a list one item a line); a huge integer does not stop it."""
    try:
        if isinstance(raw, list | tuple):
            text = "\n".join(_as_text(item, limit) for item in raw[:1000])
        else:
            text = raw if isinstance(raw, str) else str(raw)
    except ValueError:  # an integer past Python's digit limit for text
        text = "(nombre trop long)"
    return text if limit is None else text[:limit]


def _unreadable(raw: Any, expected: str) -> Graded:
    shown = _as_text(raw, 200)
    return Graded(0.0, f"réponse illisible ({shown[:60]!r}) : attendu {expected}", shown)


def _text(question: SingleChoice | MultipleChoice | Ordering, option: str) -> str:
    items = question.items if isinstance(question, Ordering) else question.choices
    return next(c.text for c in items if c.id == option)


def _single(question: SingleChoice, raw: Any, shown: Variant) -> Graded:
    letters = _letters(raw)
    ids = _to_ids(letters, shown, question.id) if letters is not None and len(letters) == 1 else None
    if not ids:
        return _unreadable(raw, "une seule des lettres proposées")
    expected = f"réponse attendue : « {_text(question, question.answer)} »"
    if ids[0] == question.answer:
        return Graded(question.points, "juste", ids[0])
    return Graded(0.0, f"faux ; {expected}", ids[0])


def _multiple(question: MultipleChoice, raw: Any, shown: Variant) -> Graded:
    letters = _letters(raw)
    ids = _to_ids(letters, shown, question.id) if letters is not None else None
    if ids is None:
        return _unreadable(raw, "des lettres proposées, entre crochets")
    ticked, right = set(ids), set(question.answers)
    if question.negative_marking:
        unit = question.points / len(right)
        score = max(0.0, unit * (len(ticked & right) - len(ticked - right)))
    else:
        options = [c.id for c in question.choices]
        agreeing = sum((o in ticked) == (o in right) for o in options)
        score = question.points * agreeing / len(options)
    expected = "; ".join(f"« {_text(question, o)} »" for o in question.answers)
    message = "juste" if ticked == right else f"réponses justes : {expected}"
    return Graded(score, message, ",".join(sorted(ticked)))


def _parse_number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        try:
            return float(raw)
        except OverflowError:  # an integer too large for a float: no tolerance can accept it
            return None
    if not isinstance(raw, str) or len(raw) > _LONGEST_NUMBER:
        return None
    found = _NUMBER.findall(raw)
    if len(found) != 1:
        return None
    cleaned = re.sub(r"[\s\u202f\u00a0]", "", found[0]).replace(",", ".").replace("−", "-")
    try:
        return float(cleaned)
    except (ValueError, OverflowError):
        return None


def _numeric(question: Numeric, raw: Any) -> Graded:
    value = _parse_number(raw)
    if value is None or not math.isfinite(value):
        return _unreadable(raw, "un nombre")
    shown = f"{value:g}"
    if question.accepts(value):
        return Graded(question.points, "juste", shown)
    unit = f" {question.unit}" if question.unit else ""
    return Graded(0.0, f"faux ; valeur attendue : {question.answer:g}{unit}", shown)


def _kendall(given: list[str], right: list[str]) -> float:
    rank = {item: index for index, item in enumerate(given)}
    pairs = [(a, b) for i, a in enumerate(right) for b in right[i + 1 :]]
    concordant = sum(rank[a] < rank[b] for a, b in pairs)
    return (2 * concordant - len(pairs)) / len(pairs)


def _ordering(question: Ordering, raw: Any, shown: Variant) -> Graded:
    letters = _letters(raw)
    ids = _to_ids(letters, shown, question.id) if letters is not None else None
    if ids is None or sorted(ids) != sorted(question.answer):
        return _unreadable(raw, f"les {len(question.answer)} lettres, chacune une fois")
    tau = _kendall(ids, question.answer)
    score = question.points * max(0.0, tau)
    order = " → ".join(f"« {_text(question, o)} »" for o in question.answer)
    message = "juste" if ids == question.answer else f"ordre attendu : {order}"
    return Graded(score, message, ",".join(ids))


def _short(question: ShortAnswer, raw: Any) -> Graded:
    written = _as_text(raw)
    text = written[:MAX_ANSWER_CHARS]
    decision = grade_short(question, text)
    tests = tuple(
        TestResult(
            name=idea.idea,
            question=question.id,
            points=idea.points,
            max_points=idea.max_points,
            status="passed" if idea.points >= idea.max_points else "failed",
            message="idée présente" if idea.points >= idea.max_points else "idée absente ou incomplète",
        )
        for idea in decision.ideas
    )
    missing = [idea.idea for idea in decision.ideas if idea.points < idea.max_points]
    message = "toutes les idées attendues sont là" if not missing else "manque : " + " ; ".join(missing)
    confidence = decision.confidence
    if len(written) > len(text):
        message += (
            f" (réponse coupée à {MAX_ANSWER_CHARS} caractères : les {len(written) - len(text)} caractères "
            "suivants ne sont pas lus)"
        )
        confidence = min(confidence, 0.5)  # someone reads what was kept, knowing there was more
    return Graded(decision.score, message, text, confidence, tests)


def grade_answer(question: Question, raw: Any, shown: Variant) -> Graded:
    """The automatic decision on one answer."""
    if _empty(raw):
        return Graded(0.0, "pas de réponse", "")
    match question:
        case SingleChoice():
            return _single(question, raw, shown)
        case MultipleChoice():
            return _multiple(question, raw, shown)
        case Numeric():
            return _numeric(question, raw)
        case Ordering():
            return _ordering(question, raw, shown)
        case ShortAnswer():
            return _short(question, raw)
        case _:
            assert_never(question)


def _status(score: float, points: float) -> QuestionStatus:
    if score >= points - 1e-9:
        return "passed"
    return "partial" if score > 1e-9 else "failed"


def _question_result(
    question: Question, graded: Graded, number: int, threshold: float, override: tuple[str, float] | None
) -> QuestionResult:
    score, confidence, message = round(graded.score, 4), graded.confidence, graded.message
    if override is not None and override[0] == answer_hash(graded.answer):
        score, confidence = min(question.points, max(0.0, override[1])), 1.0
        message = f"noté par l'enseignant ; {message}"
    review = confidence < threshold
    if question.explanation and score < question.points:
        message = f"{message}. {question.explanation.strip()}"
    return QuestionResult(
        name=question.id,
        score=score,
        max_score=question.points,
        status=_status(score, question.points),
        message=f"Q{number} : {message}" + (" (à revoir par l'enseignant)" if review else ""),
        tests=list(graded.tests),
        answer=graded.answer,
        confidence=round(confidence, 3),
        needs_review=review,
    )


def grade_sheet(
    student: str,
    source_name: str,
    sheet: Sheet,
    paper: Paper,
    bank: Bank,
    overrides: Overrides | None = None,
) -> SubmissionResult:
    """One student's graded paper; questions in the bank's order of the paper."""
    shown = variant(paper, bank, sheet.variant)
    threshold = bank.exam.paper.review_threshold
    questions: dict[str, QuestionResult] = {}
    for qid in paper.questions:
        number = shown.position(qid)
        graded = grade_answer(bank.questions[qid], sheet.answers.get(number), shown)
        override = (overrides or {}).get((student, qid))
        questions[qid] = _question_result(bank.questions[qid], graded, number, threshold, override)
    notes = [*sheet.notes, *(f"clé inconnue ignorée : {k}" for k in sheet.unknown_keys)]
    return SubmissionResult(
        student=student,
        day=EXAM_DAY,
        status="graded",
        score=round(sum(q.score for q in questions.values()), 4),
        max_score=sum(q.max_score for q in questions.values()),
        questions=questions,
        message="; ".join(notes),
        source_name=source_name,
        submission_hash=sheet.digest,
        grader_version=paper.version(bank),
        sandbox="none",
        seed=sheet.variant,
    )
