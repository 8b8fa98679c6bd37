"""Instructors' adjustments of TP grades, applied when reports are rendered.

An adjustment gives one question of one student's submission the points an
instructor decided, with a comment, an author and a time. It is kept in the
store and holds as long as the submission is the same (its hash): grading
again leaves it in force, and a new submission sets it aside, said in the
feedback and on the command line, until the instructor decides again. The
stored results are never changed: reports apply adjustments as they render.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tpgrade.errors import InputError
from tpgrade.models import Adjustment, QuestionResult, SubmissionResult


def _points(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def decide(result: SubmissionResult, question: str, points: float, comment: str, author: str) -> Adjustment:
    """An adjustment of ``result``'s ``question``, checked against what was graded."""
    if result.status != "graded":
        raise InputError(f"{result.student}'s submission was not graded ({result.status}): nothing to adjust")
    graded = result.questions.get(question)
    if graded is None:
        known = ", ".join(result.questions)
        raise InputError(f"no question {question!r} in {result.day} (questions: {known})")
    if not 0 <= points <= graded.max_score:
        raise InputError(f"{question} is out of {graded.max_score:g} points: give 0 to {graded.max_score:g}")
    return Adjustment(
        day=result.day,
        student=result.student,
        question=question,
        submission_hash=result.submission_hash,
        points=points,
        comment=comment.strip(),
        author=author,
        decided_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _said(adjustment: Adjustment, before: float) -> str:
    when = adjustment.decided_at[:10]
    text = (
        f"ajusté par l'enseignant ({adjustment.author}, {when}) : {_points(adjustment.points)} point(s)"
        f" au lieu de {_points(before)}"
    )
    return f"{text} — {adjustment.comment}" if adjustment.comment else text


def apply_adjustments(
    results: list[SubmissionResult], adjustments: list[Adjustment]
) -> tuple[list[SubmissionResult], list[Adjustment]]:
    """``results`` with the adjustments that hold applied, and those set aside because the
    submission changed since they were decided."""
    by_student: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        by_student.setdefault(adjustment.student, []).append(adjustment)
    adjusted: list[SubmissionResult] = []
    stale: list[Adjustment] = []
    for result in results:
        questions = dict(result.questions)
        for adjustment in by_student.get(result.student, []):
            question = questions.get(adjustment.question)
            if question is None or result.status != "graded":
                stale.append(adjustment)
                continue
            if adjustment.submission_hash != result.submission_hash:
                stale.append(adjustment)
                note = "ajustement de l'enseignant non appliqué : la copie a changé depuis ; à revoir"
                questions[adjustment.question] = question.model_copy(update={"adjustment": note})
                continue
            points = min(max(adjustment.points, 0.0), question.max_score)
            questions[adjustment.question] = _adjusted(question, points, _said(adjustment, question.score))
        if questions != result.questions:
            score = sum(q.score for q in questions.values())
            result = result.model_copy(update={"questions": questions, "score": score})
        adjusted.append(result)
    return adjusted, stale


def _adjusted(question: QuestionResult, points: float, said: str) -> QuestionResult:
    return question.model_copy(update={"score": points, "adjustment": said})
