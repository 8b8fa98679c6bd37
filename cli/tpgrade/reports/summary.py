"""The cohort summary for the instructor, in French: scores, questions, failures, times.

One self-contained HTML page (plots embedded as PNG): the distribution of
totals and of each question's points (one bar per reachable value: bins at the
question's point granularity, so 0 and 0.5 are never merged), mean and median,
the share of full marks per question, the most frequent failure messages, the
rejected files with their reason, every student linked to their feedback
page, and how long grading took. The same figures, as a model
(:func:`summary_figures`), are what the service's summary page and API show.
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

from pydantic import BaseModel

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


def _img(png: bytes) -> str:
    return (
        '<img alt="histogrammes des points" src="data:image/png;base64,'
        + base64.b64encode(png).decode()
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


def histograms_png(graded: list[SubmissionResult], names: list[str]) -> bytes:
    """The distribution of totals and of each question's points, as one PNG."""
    from matplotlib.figure import Figure

    steps = _steps(graded, names)
    panels = ["total", *names]
    columns = 4
    rows = -(-len(panels) // columns)
    # A Figure of its own, not pyplot's: no global state, so threads may draw at once.
    figure = Figure(figsize=(4 * columns, 2.6 * rows))
    axes = figure.subplots(rows, columns, squeeze=False)
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
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


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


class Failure(BaseModel):
    message: str  # numbers replaced by #
    count: int


class QuestionFigures(BaseModel):
    name: str
    max_score: float
    mean: float
    median: float
    full_marks_share: float  # 0 to 1
    failures: list[Failure]  # the most frequent, most frequent first


class Timings(BaseModel):
    """Seconds per graded submission."""

    median_s: float
    p90_s: float
    max_s: float
    total_s: float


class Figures(BaseModel):
    """The figures of a day's cohort summary; ``histograms_png`` the plots, base64."""

    day: str
    statuses: dict[str, int]
    graded: int
    max_score: float | None = None
    mean: float | None = None
    median: float | None = None
    full_marks: int = 0
    questions: list[QuestionFigures] = []
    timings: Timings | None = None
    histograms_png: str | None = None


def summary_figures(results: list[SubmissionResult], day: str, plots: bool = True) -> Figures:
    """Scores, questions, failures and times of ``results``; the histograms too with ``plots``."""
    graded = [r for r in results if r.status == "graded"]
    statuses = dict(sorted(Counter(str(r.status) for r in results).items()))
    if not graded:
        return Figures(day=day, statuses=statuses, graded=0)
    names = names_in_notebook_order(day, question_names(graded))
    totals = [r.score for r in graded]
    top = max(r.max_score for r in graded)
    times = sorted(r.timings.total_s for r in graded)
    return Figures(
        day=day,
        statuses=statuses,
        graded=len(graded),
        max_score=top,
        mean=statistics.mean(totals),
        median=statistics.median(totals),
        full_marks=sum(t == top for t in totals),
        questions=[_question(graded, name) for name in names],
        timings=Timings(
            median_s=statistics.median(times),
            p90_s=times[min(len(times) - 1, int(0.9 * len(times)))],
            max_s=times[-1],
            total_s=sum(times),
        ),
        histograms_png=base64.b64encode(histograms_png(graded, names)).decode() if plots else None,
    )


def _question(graded: list[SubmissionResult], name: str) -> QuestionFigures:
    answered = [r.questions[name] for r in graded if name in r.questions]
    scores = [q.score for q in answered]
    failures = Counter(_failure_key(q.message) for q in answered if q.score < q.max_score and q.message)
    return QuestionFigures(
        name=name,
        max_score=answered[0].max_score,
        mean=statistics.mean(scores),
        median=statistics.median(scores),
        full_marks_share=sum(q.score == q.max_score for q in answered) / len(answered),
        failures=[Failure(message=m, count=c) for m, c in failures.most_common(TOP_FAILURES)],
    )


def summary_html(results: list[SubmissionResult], day: str, notes: list[str] | None = None) -> str:
    figures = summary_figures(results, day)
    parts = [f"<h1>Bilan de la promotion — {html.escape(day)}</h1>"]
    parts.append(
        "<p>"
        + ", ".join(
            f"{count} {html.escape(STATUS_WORDS.get(status, status))}"
            for status, count in figures.statuses.items()
        )
        + "</p>"
    )
    parts.append(_rejected_html(results))
    parts.append(_notes_html(notes or []))
    if figures.timings is None or figures.max_score is None or figures.histograms_png is None:
        parts.append("<p>Aucun rendu noté.</p>")
        parts.append(_students_html(results))
        return PAGE.format(title=f"Bilan {day}", body="\n".join(parts))
    parts.append(
        f"<p>Note sur {_fr(figures.max_score)} : moyenne {_fr(figures.mean or 0.0, 2)}, médiane"
        f" {_fr(figures.median or 0.0)} ; {figures.full_marks} sur {figures.graded} ont la note"
        " maximale.</p>"
    )
    parts.append(_img(base64.b64decode(figures.histograms_png)))
    parts.append(
        "<h2>Questions</h2><table><tr><th>question</th><th>points</th><th>moyenne</th><th>médiane</th>"
        "<th>points pleins</th><th>échecs les plus fréquents</th></tr>"
    )
    for question in figures.questions:
        listed = "<br>".join(f"{f.count} × {html.escape(f.message)}" for f in question.failures)
        parts.append(
            f"<tr><td>{html.escape(question.name)}</td><td>{_fr(question.max_score)}</td>"
            f"<td>{_fr(question.mean, 2)}</td><td>{_fr(question.median)}</td>"
            f"<td>{100 * question.full_marks_share:.0f} %</td><td>{listed or '—'}</td></tr>"
        )
    parts.append("</table>")
    parts.append(_students_html(results))
    times = figures.timings
    parts.append(
        f"<h2>Temps de correction</h2><p>par rendu : médiane {_fr(times.median_s, 2)} s, "
        f"90e centile {_fr(times.p90_s, 2)} s, maximum {_fr(times.max_s, 2)} s, total {_fr(times.total_s, 1)} s.</p>"
    )
    return PAGE.format(title=f"Bilan {day}", body="\n".join(parts))


def write_summary(
    results: list[SubmissionResult], path: Path, day: str, notes: list[str] | None = None
) -> Path:
    return write_text(path, summary_html(results, day, notes))
