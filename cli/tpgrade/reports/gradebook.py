"""The gradebook: one row per student, one column per question, the total."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tpgrade.models import SubmissionResult
from tpgrade.reports.atomic import write_text


def question_names(results: list[SubmissionResult]) -> list[str]:
    names: dict[str, None] = {}
    for result in results:
        names.update(dict.fromkeys(result.questions))
    return list(names)


def cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ (a file name, a message) would make a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _number(value: float) -> str:
    return f"{value:g}"


def write_gradebook(results: list[SubmissionResult], path: Path) -> Path:
    names = question_names(results)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", *map(cell, names), "total", "max_score", "status", "message", "adjustments"])
    # A rejected submission has no questions: it is out of the same total as the others.
    full = max((result.max_score for result in results), default=0.0)
    for result in results:
        scores = [_number(result.questions[n].score) if n in result.questions else "0" for n in names]
        writer.writerow(
            [
                cell(result.student),
                *scores,
                _number(result.score),
                _number(full),
                result.status,
                cell(result.message),
                cell(
                    " ; ".join(f"{q.name}: {q.adjustment}" for q in result.questions.values() if q.adjustment)
                ),
            ]
        )
    return write_text(path, buffer.getvalue())
