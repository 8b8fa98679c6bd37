"""The status tables: every status has its words, and the order in which failures are told.

(``models.TestResult`` is reached through its module: a class named ``Test…`` imported
here would be taken by pytest for a test class.)
"""

from __future__ import annotations

from typing import get_args

from tpgrade import models
from tpgrade.judge.plugin import summarise
from tpgrade.models import CellIssueKind, QuestionResult, QuestionStatus, SubmissionStatus
from tpgrade.statuses import CELL_ISSUES, MOST_TELLING_FIRST, QUESTION_STATUSES, SUBMISSION_STATUSES


def test_every_status_has_one_row() -> None:
    assert set(QUESTION_STATUSES) == set(get_args(QuestionStatus))
    assert set(SUBMISSION_STATUSES) == set(get_args(SubmissionStatus))
    assert set(CELL_ISSUES) == set(get_args(CellIssueKind))


def test_labels_tell_statuses_apart_and_each_lost_point_says_what_to_do() -> None:
    labels = [info.label for info in QUESTION_STATUSES.values()]
    assert len(set(labels)) == len(labels)
    assert len({info.label for info in SUBMISSION_STATUSES.values()}) == len(SUBMISSION_STATUSES)
    for status, info in QUESTION_STATUSES.items():
        assert bool(info.next_step) == (status != "passed"), status
        assert info.style in ("green", "yellow", "red", "magenta")


def test_a_question_shows_the_most_telling_failure_first() -> None:
    def test(name: str, status: QuestionStatus, message: str) -> models.TestResult:
        return models.TestResult(
            name=name, question="q", status=status, points=0, max_points=1, message=message
        )

    failing = [test("a", "failed", "écart"), test("b", "timed_out", "trop lent"), test("c", "error", "boum")]
    question: QuestionResult = summarise("q", failing)
    assert MOST_TELLING_FIRST.index("timed_out") < MOST_TELLING_FIRST.index("error")
    assert question.message.startswith("trop lent")
