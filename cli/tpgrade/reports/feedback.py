"""One feedback page per student, in French, as Markdown and HTML.

Everything shown comes from the stored result: points, statuses and the
messages of the graders, which describe what went wrong without expected
values. Text that came from the student's code (error messages) is escaped.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import markdown

from tpgrade.identity import file_name
from tpgrade.models import QuestionResult, SubmissionResult
from tpgrade.reports.atomic import write_text
from tpgrade.reports.order import in_notebook_order
from tpgrade.statuses import CELL_ISSUES, QUESTION_STATUSES, question_label, submission_label

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")
PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #bbb;padding:.3rem .6rem}}
th{{background:#eee}}</style></head><body>
{body}
</body></html>
"""


def escape(text: str) -> str:
    """Text from results, made inert in Markdown and in the HTML made from it."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def _title(day: str) -> str:
    return "Examen" if day == "exam" else f"TP {day}"


def _points(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _first_message(message: str) -> str:
    """The question's message without the count of the other failing tests (listed below)."""
    return re.sub(r"\s*\(et \d+ autre\(s\) test\(s\) en échec\)\s*$", "", message)


def _question_detail(question: QuestionResult) -> list[str]:
    head = (
        f"### `{question.name}` — {_points(question.score)} / {_points(question.max_score)}"
        f" ({question_label(question.status)})"
    )
    lines = [head, "", f"À faire : {question.to_do or QUESTION_STATUSES[question.status].next_step}", ""]
    for number, test in enumerate(question.tests, 1):
        mark = "✔" if test.status == "passed" else "✘"
        kind = "" if test.status in ("passed", "failed") else f"{question_label(test.status)} : "
        said = f" — {kind}{escape(test.message)}" if test.status != "passed" else ""
        lines.append(f"- {mark} test {number} : {_points(test.points)} / {_points(test.max_points)}{said}")
    return [*lines, ""]


def feedback_markdown(result: SubmissionResult, day: str) -> str:
    lines = [f"# {_title(day)} — retour pour {escape(result.student)}", ""]
    lines.append(f"Fichier : {escape(result.source_name)}  ")
    if result.status != "graded":
        lines += [f"**Rendu {submission_label(result.status)}** : {escape(result.message)}", ""]
        lines.append("Aucune question n'a pu être notée. Corrigez le fichier et rendez-le de nouveau.")
        return "\n".join(lines) + "\n"
    lines += [f"**Note : {_points(result.score)} / {_points(result.max_score)}**", ""]
    if result.late_penalty:
        lines += [f"Pénalité de retard : {escape(result.message)}", ""]
    elif result.message:
        lines += [f"**Remarque** : {escape(result.message)}", ""]
    questions = in_notebook_order(day, result.questions)
    lines += ["| Question | Points | Résultat | Commentaire |", "| --- | --- | --- | --- |"]
    for question in questions:
        said = "" if question.status == "not_implemented" else escape(_first_message(question.message))
        if question.adjustment:
            said = f"**{escape(question.adjustment)}**" + (f" ({said})" if said else "")
        lines.append(
            f"| `{question.name}` | {_points(question.score)} / {_points(question.max_score)} "
            f"| {question_label(question.status)} | {said} |"
        )
    missing = [q for q in questions if q.status == "not_implemented"]
    to_redo = [q for q in questions if q.score < q.max_score and q.status != "not_implemented"]
    if to_redo or missing:
        lines += ["", "## Questions à reprendre", ""]
        for question in to_redo:
            lines += _question_detail(question)
        if missing:
            names = ", ".join(f"`{q.name}`" for q in missing)
            lines += [
                f"**Non implémentées** : {names}.",
                "",
                f"À faire : {QUESTION_STATUSES['not_implemented'].next_step}",
                "",
            ]
    if result.load.issues:
        lines += ["", "## Exécution de votre fichier", ""]
        for issue in result.load.issues:
            lines.append(
                f"- cellule de code n° {issue.index + 1} ({CELL_ISSUES[issue.kind]}) : {escape(issue.message)}"
            )
        lines += ["", "Les autres cellules ont été exécutées normalement."]
    lines += [
        "",
        f"<small>Version du correcteur {result.grader_version}, noté le {result.graded_at}.</small>",
    ]
    return "\n".join(lines) + "\n"


def feedback_html(markdown_text: str, title: str) -> str:
    body = markdown.markdown(markdown_text, extensions=["tables"])
    return PAGE.format(title=html.escape(title), body=body)


def write_feedback(results: list[SubmissionResult], folder: Path, day: str) -> None:
    for result in results:
        text = feedback_markdown(result, day)
        name = file_name(result.student)  # injective: no student's page replaces another's
        write_text(folder / f"{name}.md", text)
        write_text(folder / f"{name}.html", feedback_html(text, f"{_title(day)} — {result.student}"))
