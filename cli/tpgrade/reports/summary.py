"""The cohort summary for the instructor: scores, questions, failures, grading times.

One self-contained HTML page (plots embedded as PNG): the distribution of
totals and of each question's points, mean and median, the share of full
marks per question, the most frequent failure messages per question, and how
long grading took.
"""

from __future__ import annotations

import base64
import html
import io
import re
import statistics
from collections import Counter
from pathlib import Path

from tpgrade.models import SubmissionResult
from tpgrade.reports.atomic import write_text
from tpgrade.reports.gradebook import question_names

TOP_FAILURES = 3
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{border:1px solid #bbb;padding:.3rem .6rem;vertical-align:top}}
th{{background:#eee}}img{{max-width:100%}}</style></head><body>
{body}
</body></html>
"""


def _png(figure: object) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")  # type: ignore[attr-defined]
    return '<img alt="" src="data:image/png;base64,' + base64.b64encode(buffer.getvalue()).decode() + '">'


def _histograms(graded: list[SubmissionResult], names: list[str]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = ["total", *names]
    columns = 4
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.6 * rows), squeeze=False)
    for axis, panel in zip(axes.flat, panels, strict=False):
        if panel == "total":
            values = [r.score for r in graded]
            top = max((r.max_score for r in graded), default=1.0)
        else:
            values = [r.questions[panel].score for r in graded if panel in r.questions]
            top = max((r.questions[panel].max_score for r in graded if panel in r.questions), default=1.0)
        axis.hist(values, bins=min(20, max(5, len(set(values)))), range=(0, top or 1.0), color="#4a7bb7")
        axis.set_title(panel, fontsize=10)
        axis.set_xlabel("points")
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_visible(False)
    figure.tight_layout()
    image = _png(figure)
    plt.close(figure)
    return image


def _failure_key(message: str) -> str:
    """Messages that differ only by numbers count as one."""
    return re.sub(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?", "#", " ".join(message.split()))[:160]


def intake_notes_path(store: Path, day: str) -> Path:
    """Where ``grade`` leaves the intake's notes (zip entries skipped, files chosen) for the summary."""
    return store.parent / (f"intake_{day}.txt" if store.stem == "tpgrade" else f"{store.stem}_intake_{day}.txt")


def _notes_html(notes: list[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    return f"<h2>Intake (last grading run)</h2><ul>{items}</ul>"


def summary_html(results: list[SubmissionResult], day: str, notes: list[str] | None = None) -> str:
    graded = [r for r in results if r.status == "graded"]
    names = question_names(graded)
    counts = Counter(r.status for r in results)
    parts = [f"<h1>Cohort summary — {html.escape(day)}</h1>"]
    parts.append(
        "<p>"
        + ", ".join(f"{count} {html.escape(status)}" for status, count in sorted(counts.items()))
        + "</p>"
    )
    parts.append(_notes_html(notes or []))
    if not graded:
        parts.append("<p>No graded submission.</p>")
        return PAGE.format(title=f"Summary {day}", body="\n".join(parts))
    totals = [r.score for r in graded]
    top = max(r.max_score for r in graded)
    parts.append(
        f"<p>Total out of {top:g}: mean {statistics.mean(totals):.2f}, median {statistics.median(totals):g}, "
        f"full marks {sum(t == top for t in totals)} / {len(totals)}.</p>"
    )
    parts.append(_histograms(graded, names))
    parts.append(
        "<h2>Questions</h2><table><tr><th>question</th><th>points</th><th>mean</th><th>median</th>"
        "<th>full marks</th><th>most frequent failures</th></tr>"
    )
    for name in names:
        answered = [r.questions[name] for r in graded if name in r.questions]
        scores = [q.score for q in answered]
        full = sum(q.score == q.max_score for q in answered)
        failures = Counter(_failure_key(q.message) for q in answered if q.score < q.max_score and q.message)
        listed = "<br>".join(
            f"{count} × {html.escape(message)}" for message, count in failures.most_common(TOP_FAILURES)
        )
        parts.append(
            f"<tr><td>{html.escape(name)}</td><td>{answered[0].max_score:g}</td>"
            f"<td>{statistics.mean(scores):.2f}</td><td>{statistics.median(scores):g}</td>"
            f"<td>{100 * full / len(answered):.0f} %</td><td>{listed or '—'}</td></tr>"
        )
    parts.append("</table>")
    times = sorted(r.timings.total_s for r in graded)
    p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
    parts.append(
        f"<h2>Grading times</h2><p>per submission: median {statistics.median(times):.2f} s, "
        f"90th percentile {p90:.2f} s, max {times[-1]:.2f} s, total {sum(times):.1f} s.</p>"
    )
    return PAGE.format(title=f"Summary {day}", body="\n".join(parts))


def write_summary(
    results: list[SubmissionResult], path: Path, day: str, notes: list[str] | None = None
) -> Path:
    return write_text(path, summary_html(results, day, notes))
