"""Reports rendered from stored results: gradebook, feedback pages, JSON, cohort summary, exports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tpgrade.models import SubmissionResult
from tpgrade.reports.exports import write_gradescope, write_moodle_csv
from tpgrade.reports.feedback import write_feedback
from tpgrade.reports.gradebook import write_gradebook
from tpgrade.reports.jsonexport import write_json
from tpgrade.reports.summary import write_summary


@dataclass(frozen=True)
class ReportPaths:
    gradebook: Path
    feedback_dir: Path
    json: Path
    summary: Path
    moodle: Path
    gradescope_dir: Path


def write_reports(
    results: list[SubmissionResult], out_dir: Path, day: str, notes: list[str] | None = None
) -> ReportPaths:
    out_dir.mkdir(parents=True, exist_ok=True)
    feedback_dir = out_dir / "feedback"
    write_feedback(results, feedback_dir, day)
    return ReportPaths(
        gradebook=write_gradebook(results, out_dir / f"gradebook_{day}.csv"),
        feedback_dir=feedback_dir,
        json=write_json(results, out_dir / f"results_{day}.json"),
        summary=write_summary(results, out_dir / f"summary_{day}.html", day, notes),
        moodle=write_moodle_csv(results, out_dir / f"moodle_{day}.csv"),
        gradescope_dir=write_gradescope(results, out_dir / "gradescope"),
    )
