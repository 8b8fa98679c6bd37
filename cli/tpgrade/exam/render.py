"""A paper variant for students: Markdown, HTML, a notebook to answer in, and an answer sheet.

The answer sheet is YAML with one line per question (``Q1: b``); the
notebook holds the same answers as plain assignments (``Q1 = "b"``), read
back without running anything. Both carry the variant's number.
"""

from __future__ import annotations

import html
from typing import assert_never

import markdown
import nbformat

from tpgrade.exam.bank import Bank
from tpgrade.exam.paper import Paper, Variant
from tpgrade.exam.schema import (
    MultipleChoice,
    Numeric,
    Ordering,
    Question,
    QuestionType,
    ShortAnswer,
    SingleChoice,
)

PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;line-height:1.45}}
h2{{margin-top:2rem;font-size:1.1rem}}</style></head><body>
{body}
</body></html>
"""

HOW_TO_ANSWER: dict[QuestionType, tuple[str, str]] = {
    "single": ("une lettre", "b"),
    "multiple": ("toutes les lettres justes, entre crochets ; [] si aucune", "[a, c]"),
    "numeric": ("un nombre", "0.25"),
    "ordering": ("toutes les lettres, dans le bon ordre, entre crochets", "[c, a, d, b]"),
    "short": ("quelques phrases, entre guillemets", '"…"'),
}

EMPTY_ANSWER: dict[QuestionType, str] = {
    "single": '""',
    "multiple": "[]",
    "numeric": "None",
    "ordering": "[]",
    "short": '""',
}

NOTEBOOK_EXAMPLES: dict[QuestionType, str] = {
    "single": '"b"',
    "multiple": '["a", "c"]',
    "numeric": "0.25",
    "ordering": '["c", "a", "d", "b"]',
    "short": '"…"',
}


def _points(value: float) -> str:
    return f"{value:g} point{'s' if value > 1 else ''}"


def _options(question: Question, shown: Variant) -> list[str]:
    match question:
        case SingleChoice() | MultipleChoice():
            texts = {c.id: c.text for c in question.choices}
        case Ordering():
            texts = {i.id: i.text for i in question.items}
        case Numeric() | ShortAnswer():
            return []
        case _:
            assert_never(question)
    return [f"- **{shown.label(question.id, o)}.** {texts[o]}" for o in shown.options[question.id]]


def _instruction(question: Question) -> str:
    match question:
        case Numeric():
            unit = f" (en {question.unit})" if question.unit else ""
            return f"*Répondez par un nombre{unit}.*"
        case MultipleChoice():
            penalty = " Une case cochée à tort enlève des points." if question.negative_marking else ""
            return f"*Plusieurs réponses possibles : donnez toutes les lettres justes.{penalty}*"
        case Ordering():
            return "*Donnez toutes les lettres dans le bon ordre.*"
        case ShortAnswer():
            return "*Répondez en quelques phrases.*"
        case SingleChoice():
            return "*Une seule réponse juste : donnez sa lettre.*"
        case _:
            assert_never(question)


def question_markdown(bank: Bank, shown: Variant, qid: str) -> str:
    question = bank.questions[qid]
    number = shown.position(qid)
    lines = [
        f"## Question {number} ({_points(question.points)}) — {bank.topic_title(question.topic)}",
        "",
        question.prompt.strip(),
        "",
        *_options(question, shown),
        "",
        _instruction(question),
    ]
    return "\n".join(lines).replace("\n\n\n", "\n\n")


def _header(paper: Paper, bank: Bank, shown: Variant) -> list[str]:
    return [
        f"# {paper.title}",
        "",
        f"Variante {shown.number} — {len(paper.questions)} questions, {paper.total_points:g} points, "
        f"{bank.exam.duration_minutes} minutes.",
        "",
    ]


def paper_markdown(paper: Paper, bank: Bank, shown: Variant) -> str:
    lines = _header(paper, bank, shown)
    lines += [
        "Répondez sur la feuille de réponses de votre variante (ou dans le notebook), "
        "en indiquant votre nom et le numéro de variante.",
        "",
    ]
    for qid in shown.questions:
        lines += [question_markdown(bank, shown, qid), ""]
    return "\n".join(lines)


def paper_html(markdown_text: str, title: str) -> str:
    return PAGE.format(title=html.escape(title), body=markdown.markdown(markdown_text))


def answer_sheet(paper: Paper, bank: Bank, shown: Variant) -> str:
    """The YAML answer sheet of a variant, with how to write each kind of answer."""
    lines = [
        f"# Feuille de réponses — {paper.title}",
        f"# Variante {shown.number}. Écrivez votre nom, puis une réponse après chaque « Qn: ».",
    ]
    lines += [f"#   {kind_text}: ex. {example}" for kind_text, example in HOW_TO_ANSWER.values()]
    lines += ['etudiant: ""', f"variante: {shown.number}", "reponses:"]
    for qid in shown.questions:
        question = bank.questions[qid]
        how, _ = HOW_TO_ANSWER[question.type]
        empty = {"multiple": "[]", "ordering": "[]", "short": '""'}.get(question.type, "")
        lines.append(f"  Q{shown.position(qid)}: {empty}".rstrip() + f"   # {how}")
    return "\n".join(lines) + "\n"


def answer_notebook(paper: Paper, bank: Bank, shown: Variant) -> nbformat.NotebookNode:
    """A notebook with each question and a cell ``Qn = …`` to fill in (read back, never run)."""
    cells = [
        nbformat.v4.new_markdown_cell(  # type: ignore[no-untyped-call]
            "\n".join(_header(paper, bank, shown))
            + "\nRemplissez les cellules `Qn = …` sous chaque question. Seules ces affectations "
            "(des valeurs simples : texte, nombre, liste de lettres) sont lues : le notebook n'est pas exécuté."
        ),
        nbformat.v4.new_code_cell(f'etudiant = ""\nvariante = {shown.number}'),  # type: ignore[no-untyped-call]
    ]
    for qid in shown.questions:
        question = bank.questions[qid]
        how, _ = HOW_TO_ANSWER[question.type]
        empty = EMPTY_ANSWER[question.type]
        cells.append(nbformat.v4.new_markdown_cell(question_markdown(bank, shown, qid)))  # type: ignore[no-untyped-call]
        example = NOTEBOOK_EXAMPLES[question.type]
        cells.append(nbformat.v4.new_code_cell(f"Q{shown.position(qid)} = {empty}  # {how}, ex. {example}"))  # type: ignore[no-untyped-call]
    notebook: nbformat.NotebookNode = nbformat.v4.new_notebook(cells=cells)  # type: ignore[no-untyped-call]
    notebook.metadata["tpgrade"] = {"exam_seed": paper.seed, "variant": shown.number}
    return notebook
