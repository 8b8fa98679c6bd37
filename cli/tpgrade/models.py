"""Typed results: per test, per question, per submission."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticSerializationError

QuestionStatus = Literal[
    "passed",
    "partial",
    "failed",
    "not_implemented",
    "error",
    "timed_out",
    "crashed",
    "invalid_output",
    "forbidden",
    "grader_error",
]
SubmissionStatus = Literal["graded", "rejected", "not_loadable", "error"]
CellIssueKind = Literal["error", "timed_out", "process_exited", "skipped_shell"]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TestResult(Frozen):
    name: str
    question: str
    points: float
    max_points: float
    status: QuestionStatus
    message: str = ""
    to_do: str = ""  # what the student can do about it ("" where the status says enough)


class QuestionResult(Frozen):
    name: str
    score: float
    max_score: float
    status: QuestionStatus
    message: str = ""
    to_do: str = ""  # what to do about ``message`` (its most telling failing test's)
    tests: list[TestResult] = Field(default_factory=list)
    # Written exams: the answer as graded (choice ids of the bank, or the text), how sure
    # the automatic decision is, and whether it waits for an instructor's review.
    answer: str = ""
    confidence: float = 1.0
    needs_review: bool = False
    # An instructor's adjustment, said in French ("ajusté par l'enseignant : …"), when one applies
    # or was set aside because the submission changed since.
    adjustment: str = ""


class Adjustment(Frozen):
    """An instructor's points for one question of one submission (``tpgrade adjust``)."""

    day: str
    student: str
    question: str
    submission_hash: str
    points: float
    comment: str
    author: str
    decided_at: str


class CellIssue(Frozen):
    """A notebook cell that did not run to its end."""

    index: int
    kind: CellIssueKind
    message: str


class LoadReport(Frozen):
    cells: int = 0
    issues: list[CellIssue] = Field(default_factory=list)
    defined: list[str] = Field(default_factory=list)


class Timings(Frozen):
    load_s: float = 0.0
    grade_s: float = 0.0
    total_s: float = 0.0


class SubmissionResult(Frozen):
    student: str
    day: str
    status: SubmissionStatus
    score: float = 0.0
    max_score: float = 0.0
    questions: dict[str, QuestionResult] = Field(default_factory=dict)
    message: str = ""
    source_name: str = ""
    submission_hash: str = ""
    grader_version: str = ""
    sandbox: str = ""
    seed: int = 0
    load: LoadReport = Field(default_factory=LoadReport)
    timings: Timings = Field(default_factory=Timings)
    graded_at: str = ""
    submitted_at: str = ""  # the file's modification time (a Moodle zip keeps the hand-in time)
    late_penalty: float = 0.0  # points taken off ``score`` by the course's late policy
    participant: str = ""  # the Moodle participant number, from the intake ("" if not from Moodle)
    public_checks: dict[str, QuestionResult] = Field(default_factory=dict)  # the public tests, when asked


MAX_STORED_RESULT_BYTES = 1 << 20  # an honest result is a few tens of kB
_SHORTENED = "résultat abrégé : trop volumineux pour être enregistré en entier"


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _valid_texts(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_valid_texts(key): _valid_texts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_valid_texts(item) for item in value]
    return value


def _json_size(result: SubmissionResult) -> int:
    return len(result.model_dump_json())


def bounded(result: SubmissionResult, max_bytes: int = MAX_STORED_RESULT_BYTES) -> SubmissionResult:
    """``result`` itself if it is valid UTF-8 and its JSON fits in ``max_bytes``; else a
    repaired copy (lone surrogates replaced) or a shortened one (messages cut, per-test
    details and load issues trimmed), and at worst the scores alone."""
    try:
        size = _json_size(result)
    except PydanticSerializationError:
        result = SubmissionResult.model_validate(_valid_texts(result.model_dump()))
        size = _json_size(result)
    if size <= max_bytes:
        return result
    questions = {
        name: q.model_copy(
            update={
                "message": _cut(q.message, 1000),
                "answer": _cut(q.answer, 2000),
                "tests": [t.model_copy(update={"message": _cut(t.message, 300)}) for t in q.tests[:50]],
            }
        )
        for name, q in list(result.questions.items())[:200]
    }
    issues = [i.model_copy(update={"message": _cut(i.message, 300)}) for i in result.load.issues[:100]]
    load = result.load.model_copy(update={"issues": issues, "defined": result.load.defined[:100]})
    message = f"{_cut(result.message, 1000)} ({_SHORTENED})".strip()
    shortened = result.model_copy(update={"questions": questions, "load": load, "message": message})
    if len(shortened.model_dump_json()) <= max_bytes:
        return shortened
    scores_only = {
        name: QuestionResult(name=_cut(name, 200), score=q.score, max_score=q.max_score, status=q.status)
        for name, q in list(result.questions.items())[:200]
    }
    return shortened.model_copy(
        update={"questions": scores_only, "load": LoadReport(cells=result.load.cells)}
    )
