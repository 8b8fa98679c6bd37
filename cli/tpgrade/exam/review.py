"""What the review screen shows for one answer: the decision the matcher believes most and why.

Every piece of student text goes through :func:`tpgrade.display.shown_markup`,
so that no escape sequence from an answer reaches the instructor's terminal
and every character that earned points is visible.
"""

from __future__ import annotations

from tpgrade.display import shown_markup
from tpgrade.exam.rubric import grade_short
from tpgrade.exam.schema import ShortAnswer


def short_answer_lines(question: ShortAnswer, answer: str) -> list[str]:
    """Console-markup lines: per idea, present or not, and on what evidence (the claim and
    the clause of the answer that matched it)."""
    decision = grade_short(question, answer)
    lines: list[str] = []
    for number, (idea, decided) in enumerate(zip(question.rubric, decision.ideas, strict=True), 1):
        mark = "[green]présente[/]" if decided.points >= idea.points else "[red]absente[/]"
        lines.append(f"  idée {number} ({idea.points:g} pt) : {shown_markup(idea.idea)} — {mark}")
        why = shown_markup(decided.reason)
        if decided.matched:
            why += f"; claim « {shown_markup(decided.matched)} »"
        if decided.clause:
            why += f" in « {shown_markup(decided.clause)} »"
        lines.append(f"      [dim]why:[/] {why} (confidence {decided.confidence:.2f})")
    if decision.note:
        lines.append(f"  [dim]why, for the whole answer:[/] {shown_markup(decision.note)}")
    return lines
