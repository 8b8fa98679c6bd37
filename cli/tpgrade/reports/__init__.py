"""Reports rendered from stored results: gradebook, feedback pages, JSON."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tpgrade.models import SubmissionResult
from tpgrade.reports.feedback import write_feedback
from tpgrade.reports.gradebook import write_gradebook
from tpgrade.reports.jsonexport import write_json


@dataclass(frozen=True)
class ReportPaths:
    gradebook: Path
    feedback_dir: Path
    json: Path


def write_reports(results: list[SubmissionResult], out_dir: Path, day: str) -> ReportPaths:
    out_dir.mkdir(parents=True, exist_ok=True)
    feedback_dir = out_dir / "feedback"
    write_feedback(results, feedback_dir, day)
    return ReportPaths(
        gradebook=write_gradebook(results, out_dir / f"gradebook_{day}.csv"),
        feedback_dir=feedback_dir,
        json=write_json(results, out_dir / f"results_{day}.json"),
    )
