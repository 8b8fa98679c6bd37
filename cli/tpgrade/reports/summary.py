"""The cohort summary for the instructor, in French: scores, questions, failures, times.

One self-contained HTML page (plots embedded as PNG): the distribution of
totals and of each question's points (one bar per reachable value: bins at the
question's point granularity, so 0 and 0.5 are never merged), mean and median,
the share of full marks per question, the most frequent failure messages, the
rejected files with their reason, every student linked to their feedback
page, and how long grading took.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import statistics
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from tpgrade.identity import file_name
from tpgrade.models import SubmissionResult
from tpgrade.reports.atomic import write_text
from tpgrade.reports.gradebook import question_names
from tpgrade.reports.order import names_in_notebook_order
from tpgrade.statuses import submission_label

TOP_FAILURES = 3
FAILURE_CHARS = 160
PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{border:1px solid #bbb;padding:.3rem .6rem;vertical-align:top}}
th{{background:#eee}}img{{max-width:100%}}</style></head><body>
{body}
</body></html>
"""
STATUS_WORDS = {
    "graded": "notés",
    "rejected": "refusés",
    "not_loadable": "impossibles à charger",
    "error": "en erreur",
}


def _png(figure: object) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")  # type: ignore[attr-defined]
    return (
        '<img alt="histogrammes des points" src="data:image/png;base64,'
        + base64.b64encode(buffer.getvalue()).decode()
        + '">'
    )


def _fr(value: float, digits: int | None = None) -> str:
    text = f"{value:.{digits}f}" if digits is not None else f"{value:g}"
    return text.replace(".", ",")


def point_step(values: list[float]) -> float:
    """The finest step points come in (the greatest common divisor of ``values``, to a
    hundredth of a point): 0.5 when tests are worth 0.5 and 1, 0.25 with a 0.25 test."""
    hundredths = [round(v * 100) for v in values if v > 0]
    step = 0
    for value in hundredths:
        step = math.gcd(step, value)
    return step / 100 if step else 1.0


def _steps(graded: list[SubmissionResult], names: list[str]) -> dict[str, float]:
    steps = {}
    for name in names:
        points = [t.max_points for r in graded if name in r.questions for t in r.questions[name].tests]
        points += [r.questions[name].max_score for r in graded if name in r.questions]
        steps[name] = point_step(points)
    steps["total"] = point_step(list(steps.values()))
    return steps


def _histograms(graded: list[SubmissionResult], names: list[str]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = _steps(graded, names)
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
        step = steps[panel]
        count = max(1, round((top or 1.0) / step))
        edges = [(k - 0.5) * step for k in range(count + 2)]  # one bar per reachable value: 0 and 0.5 apart
        axis.hist(values, bins=edges, color="#4a7bb7", rwidth=0.9)
        axis.set_title(panel, fontsize=10)
        axis.set_xlabel("points")
        axis.set_ylabel("étudiants")
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_visible(False)
    figure.tight_layout()
    image = _png(figure)
    plt.close(figure)
    return image


def _failure_key(message: str) -> str:
    """Messages that differ only by numbers count as one; long ones are cut at a word."""
    message = re.sub(r"\s*\(et \d+ autre\(s\) test\(s\) en échec\)\s*$", "", message)
    text = re.sub(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?", "#", " ".join(message.split()))
    if len(text) <= FAILURE_CHARS:
        return text
    return text[:FAILURE_CHARS].rsplit(" ", 1)[0] + " …"


def intake_notes_path(store: Path, day: str) -> Path:
    """Where ``grade`` leaves the intake's notes (zip entries skipped, files chosen) for the summary."""
    return store.parent / (
        f"intake_{day}.txt" if store.stem == "tpgrade" else f"{store.stem}_intake_{day}.txt"
    )


def _notes_html(notes: list[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    return f"<h2>Dépôt (dernière correction)</h2><ul>{items}</ul>"


def _link(result: SubmissionResult) -> str:
    target = f"feedback/{quote(file_name(result.student))}.html"
    return f'<a href="{html.escape(target)}">{html.escape(result.student)}</a>'


def _students_html(results: list[SubmissionResult]) -> str:
    rows = "".join(
        f"<tr><td>{_link(r)}</td><td>{_fr(r.score)} / {_fr(r.max_score)}</td>"
        f"<td>{html.escape(submission_label(r.status))}</td><td>{html.escape(r.message)}</td></tr>"
        for r in sorted(results, key=lambda r: r.student.casefold())
    )
    return (
        "<h2>Étudiants</h2><table><tr><th>étudiant (retour)</th><th>note</th><th>rendu</th><th>remarque</th></tr>"
        f"{rows}</table>"
    )


def _rejected_html(results: list[SubmissionResult]) -> str:
    rejected = [r for r in results if r.status != "graded"]
    if not rejected:
        return ""
    items = "".join(
        f"<li>{_link(r)} ({html.escape(r.source_name or '—')}) : {html.escape(r.message)}</li>"
        for r in rejected
    )
    return f"<h2>Fichiers refusés ou non notés</h2><ul>{items}</ul>"


def summary_html(results: list[SubmissionResult], day: str, notes: list[str] | None = None) -> str:
    graded = [r for r in results if r.status == "graded"]
    names = names_in_notebook_order(day, question_names(graded))
    counts = Counter(r.status for r in results)
    parts = [f"<h1>Bilan de la promotion — {html.escape(day)}</h1>"]
    parts.append(
        "<p>"
        + ", ".join(
            f"{count} {html.escape(STATUS_WORDS.get(status, status))}"
            for status, count in sorted(counts.items())
        )
        + "</p>"
    )
    parts.append(_rejected_html(results))
    parts.append(_notes_html(notes or []))
    if not graded:
        parts.append("<p>Aucun rendu noté.</p>")
        parts.append(_students_html(results))
        return PAGE.format(title=f"Bilan {day}", body="\n".join(parts))
    totals = [r.score for r in graded]
    top = max(r.max_score for r in graded)
    parts.append(
        f"<p>Note sur {_fr(top)} : moyenne {_fr(statistics.mean(totals), 2)}, médiane"
        f" {_fr(statistics.median(totals))} ; {sum(t == top for t in totals)} sur {len(totals)} ont la note"
        " maximale.</p>"
    )
    parts.append(_histograms(graded, names))
    parts.append(
        "<h2>Questions</h2><table><tr><th>question</th><th>points</th><th>moyenne</th><th>médiane</th>"
        "<th>points pleins</th><th>échecs les plus fréquents</th></tr>"
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
            f"<tr><td>{html.escape(name)}</td><td>{_fr(answered[0].max_score)}</td>"
            f"<td>{_fr(statistics.mean(scores), 2)}</td><td>{_fr(statistics.median(scores))}</td>"
            f"<td>{100 * full / len(answered):.0f} %</td><td>{listed or '—'}</td></tr>"
        )
    parts.append("</table>")
    parts.append(_students_html(results))
    times = sorted(r.timings.total_s for r in graded)
    p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
    parts.append(
        f"<h2>Temps de correction</h2><p>par rendu : médiane {_fr(statistics.median(times), 2)} s, "
        f"90e centile {_fr(p90, 2)} s, maximum {_fr(times[-1], 2)} s, total {_fr(sum(times), 1)} s.</p>"
    )
    return PAGE.format(title=f"Bilan {day}", body="\n".join(parts))


def write_summary(
    results: list[SubmissionResult], path: Path, day: str, notes: list[str] | None = None
) -> Path:
    return write_text(path, summary_html(results, day, notes))
