"""Writing a drawn paper to a folder: the students' files per variant and the answer key."""

from __future__ import annotations

from pathlib import Path
from typing import assert_never

import nbformat

from tpgrade.exam.bank import Bank
from tpgrade.exam.paper import Paper, Variant, variant
from tpgrade.exam.render import answer_notebook, answer_sheet, paper_html, paper_markdown
from tpgrade.exam.schema import MultipleChoice, Numeric, Ordering, ShortAnswer, SingleChoice
from tpgrade.reports.atomic import write_text


def _key_line(bank: Bank, shown: Variant, qid: str) -> str:
    question = bank.questions[qid]
    match question:
        case SingleChoice():
            key = shown.label(qid, question.answer)
        case MultipleChoice():
            key = "[" + ", ".join(sorted(shown.label(qid, a) for a in question.answers)) + "]"
        case Ordering():
            key = "[" + ", ".join(shown.label(qid, a) for a in question.answer) + "]"
        case Numeric():
            bound = max(question.tolerance, question.relative_tolerance * abs(question.answer))
            key = (
                f"{question.answer:g}"
                + (f" ± {bound:g}" if bound else "")
                + (f" {question.unit}" if question.unit else "")
            )
        case ShortAnswer():
            key = "; ".join(f"{idea.idea} ({idea.points:g} pt)" for idea in question.rubric)
        case _:
            assert_never(question)
    return f"| Q{shown.position(qid)} | `{qid}` | {question.points:g} | {key} |"


def answer_key(paper: Paper, bank: Bank) -> str:
    """For instructors: each variant's key in its own letters."""
    lines = [f"# Corrigé — {paper.title}", "", f"Graine {paper.seed}, {paper.variants} variante(s).", ""]
    for number in range(paper.variants + 1):
        shown = variant(paper, bank, number)
        lines += [
            f"## Variante {number}",
            "",
            "| N° | Question | Points | Réponse |",
            "| --- | --- | --- | --- |",
        ]
        lines += [_key_line(bank, shown, qid) for qid in shown.questions]
        lines.append("")
    return "\n".join(lines)


def write_paper(paper: Paper, bank: Bank, folder: Path) -> list[Path]:
    """Variant 0 as ``sujet.*``, each variant under ``variantes/`` with its answer sheet and
    notebook, and ``corrige.md``; returns the files written."""
    written: list[Path] = []

    def text(path: Path, content: str) -> None:
        write_text(path, content)
        written.append(path)

    for number in range(paper.variants + 1):
        shown = variant(paper, bank, number)
        if number == 0:
            stem, sheet = "sujet", "feuille"
        else:
            stem, sheet = f"variantes/variante_{number:02d}", f"variantes/feuille_{number:02d}"
        markdown_text = paper_markdown(paper, bank, shown)
        text(folder / f"{stem}.md", markdown_text)
        text(folder / f"{stem}.html", paper_html(markdown_text, f"{paper.title} — variante {number}"))
        text(folder / f"{sheet}.yaml", answer_sheet(paper, bank, shown))
        text(folder / f"{stem}.ipynb", nbformat.writes(answer_notebook(paper, bank, shown)))  # type: ignore[no-untyped-call]
    text(folder / "corrige.md", answer_key(paper, bank))
    return written
