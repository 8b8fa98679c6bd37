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
from tpgrade.models import SubmissionResult
from tpgrade.reports.atomic import write_text
from tpgrade.reports.labels import CELL_ISSUE, QUESTION_STATUS, SUBMISSION_STATUS

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
    return f"{value:g}"


def feedback_markdown(result: SubmissionResult, day: str) -> str:
    lines = [f"# {_title(day)} — retour pour {escape(result.student)}", ""]
    lines.append(f"Fichier : {escape(result.source_name)}  ")
    if result.status != "graded":
        lines += [f"**Rendu {SUBMISSION_STATUS[result.status]}** : {escape(result.message)}", ""]
        lines.append("Aucune question n'a pu être notée. Corrigez le fichier et rendez-le de nouveau.")
        return "\n".join(lines) + "\n"
    lines += [f"**Note : {_points(result.score)} / {_points(result.max_score)}**", ""]
    if result.late_penalty:
        lines += [f"Pénalité de retard : {escape(result.message)}", ""]
    elif result.message:
        lines += [f"**Remarque** : {escape(result.message)}", ""]
    lines += ["| Question | Points | Résultat | Commentaire |", "| --- | --- | --- | --- |"]
    for question in result.questions.values():
        said = escape(question.message)
        if question.adjustment:
            said = f"**{escape(question.adjustment)}**" + (f" ({said})" if said else "")
        lines.append(
            f"| `{question.name}` | {_points(question.score)} / {_points(question.max_score)} "
            f"| {QUESTION_STATUS[question.status]} | {said} |"
        )
    failing = [q for q in result.questions.values() if q.status != "passed"]
    if failing:
        lines += ["", "## Détail des tests en échec", ""]
        for question in failing:
            lines.append(f"### `{question.name}`")
            for test in question.tests:
                if test.status != "passed":
                    lines.append(f"- {QUESTION_STATUS[test.status]} : {escape(test.message)}")
            lines.append("")
    if result.load.issues:
        lines += ["", "## Exécution de votre fichier", ""]
        for issue in result.load.issues:
            lines.append(
                f"- cellule de code n° {issue.index + 1} ({CELL_ISSUE[issue.kind]}) : {escape(issue.message)}"
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
