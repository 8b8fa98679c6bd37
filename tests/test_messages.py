"""The catalogue of student messages: every template's fields are allowed ones, every
message says what to do, and no message can carry a value the graders expect."""

from __future__ import annotations

import numpy as np
import pytest

from tpgrade import messages as msg
from tpgrade.grader import Fail, expect_array, expect_scalar
from tpgrade.judge.plugin import summarise
from tpgrade.judge.student import NotImplementedByStudent, StudentTimedOut
from tpgrade.models import SubmissionResult
from tpgrade.models import TestResult as Outcome  # a Test* name would be collected by pytest
from tpgrade.reports.feedback import feedback_markdown

EXPECTING = ("expected", "reference", "answer", "correct", "solution", "value", "target", "want")


def test_every_template_uses_only_allowed_fields_and_says_what_to_do() -> None:
    assert len(msg.CATALOGUE) >= 30
    for name, message in msg.CATALOGUE.items():
        assert message.fields() <= set(msg.FIELDS), name
        assert message.to_do and message.to_do.endswith("."), name
    templates = [message.template for message in msg.CATALOGUE.values()]
    assert len(set(templates)) >= len(templates) - 4  # only the "{what} : {detail}" kind repeat


def test_no_field_is_for_an_expected_value_and_no_other_field_can_be_filled() -> None:
    for field in set(msg.FIELDS) - {"wanted_shape"}:  # a shape the assignment states, not a result
        assert not any(word in field for word in EXPECTING), field
    with pytest.raises(msg.MessageFieldError, match="expected"):
        msg.WRONG_SCALAR(what="le résultat", gap=0.5, expected=3.14159)


def test_a_wrong_answer_s_message_never_shows_the_expected_numbers() -> None:
    expected = np.array([[0.1234567, 2.7182818], [3.1415926, 1.4142135]])
    with pytest.raises(Fail) as raised:
        expect_array(expected + 0.01, expected, rtol=1e-6, atol=1e-9)
    with pytest.raises(Fail) as scalar:
        expect_scalar(1.0, 2.7182818, rtol=1e-6, atol=1e-9)
    for said in (str(raised.value), str(scalar.value)):
        for number in ("0.123", "2.718", "3.141", "1.414"):
            assert number not in said, said


def test_what_to_do_travels_from_the_fault_to_the_feedback() -> None:
    fault = StudentTimedOut(msg.CALL_TIMED_OUT(what="softmax", seconds=2.0))
    assert (
        fault.message == "softmax : temps limite de 2 s dépassé" and fault.to_do == msg.CALL_TIMED_OUT.to_do
    )
    assert NotImplementedByStudent("softmax").to_do == msg.NOT_IMPLEMENTED.to_do
    timed_out = Outcome(
        name="a",
        question="softmax",
        points=0,
        max_points=1,
        status="timed_out",
        message=fault.message,
        to_do=fault.to_do,
    )
    question = summarise("softmax", [timed_out])
    assert question.to_do == msg.CALL_TIMED_OUT.to_do
    result = SubmissionResult(
        student="ana", day="day2", status="graded", max_score=1, questions={"softmax": question}
    )
    assert f"À faire : {msg.CALL_TIMED_OUT.to_do}" in feedback_markdown(result, "day2")
