"""Item analysis of the written exam: how each question behaved on the cohort.

For every question: its difficulty (p-value), the upper-lower discrimination
index, the corrected point-biserial correlation with the rest of the paper,
how often each choice was ticked, and warnings in French for the instructor.

Papers may differ from student to student, so totals are fractions of each
paper's maximum. To take a question out of a student's total, the paper's
maximum is taken as the sum of ``max_points`` of the questions in ``items``
that the student got: ``items`` must cover every question of the papers.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

EMPTY = "(vide)"
GROUP_SHARE = 0.27
EASY = 0.9
HARD = 0.2
LOW_R = 0.2
_TOL = 1e-9

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ItemResponses:
    """One question's results: points per student and, for choice questions, the ticks."""

    question: str
    max_points: float
    scores: dict[str, float]
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    options: tuple[str, ...] = ()
    correct: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"question {self.question!r}"
        if not (math.isfinite(self.max_points) and self.max_points > 0):
            raise ValueError(f"{where}: max_points must be a positive number, not {self.max_points}")
        for student, score in self.scores.items():
            if not (math.isfinite(score) and -_TOL <= score <= self.max_points + _TOL):
                raise ValueError(f"{where}: {student} has {score} points, outside [0, {self.max_points:g}]")
        if len(set(self.options)) != len(self.options) or EMPTY in self.options:
            raise ValueError(f"{where}: the options repeat a choice id or use {EMPTY!r}")
        known = set(self.options)
        if not set(self.correct) <= known:
            raise ValueError(f"{where}: the correct choices are not all among the options")
        for student, ticked in self.choices.items():
            unknown = set(ticked) - known
            if unknown:
                raise ValueError(f"{where}: {student} ticked unknown choices {sorted(unknown)}")


@dataclass(frozen=True)
class ItemStats:
    """What the analysis found for one question (``nan`` where a statistic is undefined)."""

    question: str
    n: int
    difficulty: float
    discrimination: float
    point_biserial: float
    distractors: dict[str, int]
    flags: tuple[str, ...]


def _constant(values: FloatArray) -> bool:
    return bool(np.ptp(values) <= _TOL)


def _correlation(x: FloatArray, y: FloatArray) -> float:
    if len(x) < 2 or _constant(x) or _constant(y):
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def _upper_lower(fractions: FloatArray, totals: FloatArray, students: list[str]) -> float:
    """Mean fraction of the top 27 % by total minus that of the bottom 27 % (ties broken by student id)."""
    n = len(fractions)
    if n < 2:
        return math.nan
    k = max(1, math.floor(GROUP_SHARE * n + 0.5))
    order = sorted(range(n), key=lambda i: (totals[i], students[i]))
    lower = fractions[order[:k]]
    upper = fractions[order[-k:]]
    return float(upper.mean() - lower.mean())


def _distractors(item: ItemResponses, students: list[str]) -> dict[str, int]:
    if not item.options:
        return {}
    counts = dict.fromkeys((*item.options, EMPTY), 0)
    for student in students:
        ticked = item.choices.get(student)
        if ticked is None:
            continue
        if not ticked:
            counts[EMPTY] += 1
        for choice in set(ticked):
            counts[choice] += 1
    return counts


def _number(value: float, digits: int = 2) -> str:
    return "—" if math.isnan(value) else f"{value:.{digits}f}".replace(".", ",")


def _flags(item: ItemResponses, stats: ItemStats) -> tuple[str, ...]:
    flags: list[str] = []
    if stats.n == 0:
        return ("aucune réponse",)
    if stats.n < 2:
        flags.append(f"trop peu de réponses (n = {stats.n})")
    if stats.difficulty > EASY:
        flags.append("trop facile (p > 0,9)")
    elif stats.difficulty < HARD:
        flags.append("trop difficile (p < 0,2)")
    r, d = stats.point_biserial, stats.discrimination
    if r < 0 or d < 0:
        flags.append("discrimination négative : vérifier la clé")
    elif r < LOW_R:
        flags.append("discrimine mal (r < 0,2)")
    if math.isnan(r) and stats.n >= 2:
        flags.append("r non défini (scores constants)")
    if stats.distractors:
        wrong = [o for o in item.options if o not in item.correct]
        best_key = max((stats.distractors[c] for c in item.correct), default=0)
        for choice in wrong:
            if stats.distractors[choice] == 0:
                flags.append(f"distracteur jamais choisi : {choice}")
            elif item.correct and stats.distractors[choice] > best_key:
                flags.append(f"distracteur plus choisi que la bonne réponse : {choice}")
    return tuple(flags)


def _paper_max(items: list[ItemResponses]) -> dict[str, float]:
    paper: dict[str, float] = {}
    for item in items:
        for student in item.scores:
            paper[student] = paper.get(student, 0.0) + item.max_points
    return paper


def _analyse_one(item: ItemResponses, totals: dict[str, float], paper_max: dict[str, float]) -> ItemStats:
    students = sorted(s for s in item.scores if s in totals)
    fractions = np.array([item.scores[s] / item.max_points for s in students], dtype=np.float64)
    total = np.array([totals[s] for s in students], dtype=np.float64)
    rest_max = np.array([paper_max[s] - item.max_points for s in students], dtype=np.float64)
    raw_points = np.array([item.scores[s] for s in students], dtype=np.float64)
    defined = rest_max > _TOL
    rest = (total[defined] * (rest_max[defined] + item.max_points) - raw_points[defined]) / rest_max[defined]
    stats = ItemStats(
        question=item.question,
        n=len(students),
        difficulty=float(fractions.mean()) if students else math.nan,
        discrimination=_upper_lower(fractions, total, students),
        point_biserial=_correlation(fractions[defined], rest),
        distractors=_distractors(item, students),
        flags=(),
    )
    return replace(stats, flags=_flags(item, stats))


def analyse(items: list[ItemResponses], totals: dict[str, float]) -> list[ItemStats]:
    """Statistics of every item, worst first (lowest point-biserial; undefined ones last).

    ``totals`` maps a student to their total as a fraction of their paper's
    maximum; students missing from it are left out of every statistic.
    """
    ids = [item.question for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError("two items share a question id")
    bad = sorted(s for s, t in totals.items() if not math.isfinite(t))
    if bad:
        raise ValueError(f"totals are not finite numbers for {', '.join(bad)}")
    paper_max = _paper_max(items)
    stats = [_analyse_one(item, totals, paper_max) for item in items]
    return sorted(stats, key=lambda s: (math.isnan(s.point_biserial), s.point_biserial))


def plot_items(stats: list[ItemStats], path: Path) -> Path:
    """Difficulty against point-biserial, one labelled point per item, saved as a PNG at ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 5))
    FigureCanvasAgg(figure)
    axis = figure.add_subplot()
    shown = [s for s in stats if not (math.isnan(s.difficulty) or math.isnan(s.point_biserial))]
    axis.scatter([s.difficulty for s in shown], [s.point_biserial for s in shown], color="#4a7bb7", zorder=3)
    for s in shown:
        axis.annotate(
            s.question,
            (s.difficulty, s.point_biserial),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
        )
    for x in (HARD, EASY):
        axis.axvline(x, color="#c0504d", linestyle="--", linewidth=1)
    axis.axhline(LOW_R, color="#c0504d", linestyle="--", linewidth=1)
    axis.axhline(0.0, color="#888888", linewidth=0.8)
    axis.set_xlim(-0.05, 1.05)
    lowest = min((s.point_biserial for s in shown), default=0.0)
    axis.set_ylim(min(-0.2, lowest - 0.1), 1.05)
    axis.set_xlabel("Difficulté p (score moyen / maximum ; 1 = facile)")
    axis.set_ylabel("r point-bisérial corrigé")
    hidden = len(stats) - len(shown)
    title = "Analyse des items"
    if hidden:
        title += f" ({hidden} item(s) sans r défini, non affichés)"
    axis.set_title(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=100)
    return path


def items_table_html(stats: list[ItemStats]) -> str:
    """The statistics as an HTML table, one row per item in the order given."""
    headers = ("Question", "n", "Difficulté", "Discrimination", "r point-bisérial", "Distracteurs", "Alertes")
    rows = ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>"]
    for s in stats:
        distractors = ", ".join(f"{choice} : {count}" for choice, count in s.distractors.items())
        cells = (
            html.escape(s.question),
            str(s.n),
            _number(s.difficulty),
            _number(s.discrimination),
            _number(s.point_biserial),
            html.escape(distractors),
            "<br>".join(html.escape(flag) for flag in s.flags),
        )
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    rows.append("</table>")
    return "\n".join(rows)
