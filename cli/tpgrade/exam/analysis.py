"""The item analysis page of an exam, from the stored results and the paper."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from tpgrade.exam.bank import Bank
from tpgrade.exam.items import ItemResponses, ItemStats, analyse, items_table_html, plot_items
from tpgrade.exam.paper import Paper, options_of
from tpgrade.exam.schema import MultipleChoice, SingleChoice
from tpgrade.models import SubmissionResult
from tpgrade.reports.atomic import write_text
from tpgrade.reports.summary import PAGE as SUMMARY_PAGE

PAGE = SUMMARY_PAGE.replace('lang="en"', 'lang="fr"')


def item_responses(results: list[SubmissionResult], paper: Paper, bank: Bank) -> list[ItemResponses]:
    """Per question of the paper: every graded student's points and, for choice questions, ticks."""
    graded = [r for r in results if r.status == "graded"]
    items: list[ItemResponses] = []
    for qid in paper.questions:
        question = bank.questions[qid]
        scores = {r.student: r.questions[qid].score for r in graded if qid in r.questions}
        choices: dict[str, tuple[str, ...]] = {}
        options: tuple[str, ...] = ()
        correct: tuple[str, ...] = ()
        if isinstance(question, SingleChoice | MultipleChoice):
            options = options_of(question)
            correct = (question.answer,) if isinstance(question, SingleChoice) else tuple(question.answers)
            for result in graded:
                if qid in result.questions:
                    ticked = [o for o in result.questions[qid].answer.split(",") if o in options]
                    choices[result.student] = tuple(ticked)
        items.append(ItemResponses(qid, question.points, scores, choices, options, correct))
    return items


def analyse_results(results: list[SubmissionResult], paper: Paper, bank: Bank) -> list[ItemStats]:
    totals = {r.student: r.score / r.max_score for r in results if r.status == "graded" and r.max_score > 0}
    return analyse(item_responses(results, paper, bank), totals)


def write_item_analysis(results: list[SubmissionResult], paper: Paper, bank: Bank, folder: Path) -> Path:
    """``items_exam.html`` (table and plot, worst questions first) and ``items_exam.png``."""
    stats = analyse_results(results, paper, bank)
    folder.mkdir(parents=True, exist_ok=True)
    plot = plot_items(stats, folder / "items_exam.png")
    image = base64.b64encode(plot.read_bytes()).decode()
    flagged = [s for s in stats if s.flags]
    body = [
        f"<h1>Analyse des questions — {html.escape(paper.title)}</h1>",
        f"<p>{sum(r.status == 'graded' for r in results)} copies notées, {len(stats)} questions ; "
        f"{len(flagged)} question(s) avec une alerte. Les questions qui discriminent le moins "
        "(r point-bisérial le plus bas) sont en tête : ce sont celles à relire.</p>",
        f'<img alt="Difficulté et discrimination des questions" src="data:image/png;base64,{image}">',
        items_table_html(stats),
    ]
    return write_text(
        folder / "items_exam.html", PAGE.format(title="Analyse des questions", body="\n".join(body))
    )
