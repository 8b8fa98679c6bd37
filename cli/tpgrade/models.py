"""Typed results: per test, per question, per submission."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TestResult(Frozen):
    name: str
    question: str
    points: float
    max_points: float
    status: QuestionStatus
    message: str = ""


class QuestionResult(Frozen):
    name: str
    score: float
    max_score: float
    status: QuestionStatus
    message: str = ""
    tests: list[TestResult] = Field(default_factory=list)
    # Written exams: the answer as graded (choice ids of the bank, or the text), how sure
    # the automatic decision is, and whether it waits for an instructor's review.
    answer: str = ""
    confidence: float = 1.0
    needs_review: bool = False


class CellIssue(Frozen):
    """A notebook cell that did not run to its end."""

    index: int
    kind: Literal["error", "timed_out", "process_exited", "skipped_shell"]
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
