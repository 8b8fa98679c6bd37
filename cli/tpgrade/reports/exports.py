"""Grades in the forms other platforms import: Moodle's grading worksheet, Gradescope's results.json."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tpgrade.identity import file_name, moodle_name
from tpgrade.models import SubmissionResult
from tpgrade.reports.atomic import write_text
from tpgrade.reports.gradebook import cell
from tpgrade.statuses import question_label


def write_moodle_csv(results: list[SubmissionResult], path: Path) -> Path:
    """Moodle's offline grading worksheet (Assignment > Upload grading worksheet).

    Students who came from a Moodle export (with a participant number N) are
    identified as "Participant N", which is what the worksheet import matches on; others
    keep their id.
    """
    full = max((r.max_score for r in results), default=0.0)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Identifier", "Full name", "Grade", "Maximum Grade", "Feedback comments"])
    for result in results:
        participant = result.participant
        identifier = f"Participant {participant}" if participant else result.student
        name = moodle_name(result.student, participant)
        comment = result.message or f"{result.score:g} / {full:g}"
        writer.writerow([cell(identifier), cell(name), f"{result.score:.2f}", f"{full:.2f}", cell(comment)])
    return write_text(path, buffer.getvalue())


def gradescope_results(result: SubmissionResult) -> dict[str, object]:
    """One submission in Gradescope's autograder format (``results.json``)."""
    tests = [
        {
            "name": name,
            "score": question.score,
            "max_score": question.max_score,
            "status": "passed" if question.score == question.max_score else "failed",
            "output": f"{question_label(question.status)}. {question.message}".strip(),
        }
        for name, question in result.questions.items()
    ]
    data: dict[str, object] = {"score": result.score, "tests": tests, "visibility": "visible"}
    if result.status != "graded":
        data["output"] = result.message
    return data


def write_gradescope(results: list[SubmissionResult], folder: Path) -> Path:
    """``folder/STUDENT/results.json`` for each submission."""
    for result in results:
        text = json.dumps(gradescope_results(result), ensure_ascii=False, indent=1)
        write_text(folder / file_name(result.student) / "results.json", text)
    return folder
