"""Grading a cohort of answer sheets into the store, and what waits for review."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tpgrade.exam.bank import Bank
from tpgrade.exam.grading import EXAM_DAY, answer_hash, grade_sheet
from tpgrade.exam.paper import Paper
from tpgrade.exam.sheets import SHEET_KINDS, SheetRejected, read_sheet
from tpgrade.intake import gather
from tpgrade.models import QuestionResult, SubmissionResult
from tpgrade.store import Store


@dataclass(frozen=True)
class Pending:
    """One automatic decision below the confidence threshold."""

    student: str
    question: QuestionResult


@dataclass
class CohortGrades:
    results: list[SubmissionResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def pending(self) -> list[Pending]:
        return [Pending(r.student, q) for r in self.results for q in r.questions.values() if q.needs_review]


def _rejected(student: str, path: Path, message: str, paper: Paper, bank: Bank) -> SubmissionResult:
    return SubmissionResult(
        student=student,
        day=EXAM_DAY,
        status="rejected",
        message=message,
        source_name=path.name,
        grader_version=paper.version(bank),
        sandbox="none",
    )


def grade_cohort(sources: list[Path], paper: Paper, bank: Bank, store: Store) -> CohortGrades:
    """Grade every sheet found in ``sources`` (files, folders, Moodle zips); every result is
    stored, the instructor's overrides applied."""
    overrides = store.overrides(EXAM_DAY)
    grades = CohortGrades()
    with tempfile.TemporaryDirectory(prefix="tpgrade-exam-") as scratch:
        intake = gather(sources, Path(scratch), preferred="feuille", kinds=SHEET_KINDS)
        grades.notes = list(intake.notes)
        for candidate, message in intake.duplicates:  # noted, not stored: the student's newest sheet counts
            grades.notes.append(f"{candidate.student}: {candidate.path.name} non noté ({message})")
        for candidate, message in intake.rejected:
            grades.results.append(_rejected(candidate.student, candidate.path, message, paper, bank))
        for candidate in intake.candidates:
            try:
                sheet = read_sheet(candidate.path, paper)
            except SheetRejected as rejected:
                result = _rejected(candidate.student, candidate.path, str(rejected), paper, bank)
            else:
                result = grade_sheet(candidate.student, candidate.path.name, sheet, paper, bank, overrides)
            grades.results.append(result)
    for result in grades.results:
        store.save(result)
    grades.results.sort(key=lambda r: r.student)
    return grades


def record_decision(store: Store, pending: Pending, points: float) -> None:
    """The instructor's points for one answer; kept on re-grading while the answer is unchanged."""
    store.save_override(
        EXAM_DAY, pending.student, pending.question.name, answer_hash(pending.question.answer), points
    )
