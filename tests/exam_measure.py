"""Agreement of the short-answer matcher with hand labels, as aggregate figures only.

Used by the exam tests and by ``bench/exam_agreement.py``; it never prints an
answer, so that it can measure a frozen, blind set without showing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tpgrade.exam.bank import Bank
from tpgrade.exam.rubric import grade_short
from tpgrade.exam.schema import ShortAnswer


@dataclass(frozen=True)
class Figures:
    answers: int
    agreed: int  # earned ideas equal to the label
    above: int  # decisions at or above the review threshold
    agreed_above: int
    zero_deserving: int
    silently_credited: int  # zero-deserving, above the threshold, with points
    silently_zeroed: int  # deserving points, above the threshold, with none
    reviewed: int
    reviewed_wrong: int  # proposals shown in review that differ from the label

    @property
    def agreement(self) -> float:
        return self.agreed / self.answers if self.answers else 1.0

    @property
    def agreement_above(self) -> float:
        return self.agreed_above / self.above if self.above else 1.0

    @property
    def false_credit_share(self) -> float:
        return self.silently_credited / self.zero_deserving if self.zero_deserving else 0.0

    @property
    def review_share(self) -> float:
        return self.reviewed / self.answers if self.answers else 0.0

    def lines(self, name: str) -> list[str]:
        return [
            f"{name}: {self.answers} answers",
            f"  agreement with the labels      {self.agreed}/{self.answers} = {self.agreement:.1%}",
            f"  above the threshold            {self.agreed_above}/{self.above} = {self.agreement_above:.1%}",
            f"  zero-deserving credited        {self.silently_credited}/{self.zero_deserving}"
            f" = {self.false_credit_share:.1%}",
            f"  deserving points zeroed        {self.silently_zeroed}",
            f"  sent to review                 {self.reviewed}/{self.answers} = {self.review_share:.1%}"
            f" (proposal wrong: {self.reviewed_wrong})",
        ]


def load_labelled(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]
    return entries


def measure(entries: list[dict[str, Any]], bank: Bank) -> Figures:
    threshold = bank.exam.paper.review_threshold
    counts = dict.fromkeys(
        ("agreed", "above", "agreed_above", "zero", "credited", "zeroed", "reviewed", "reviewed_wrong"), 0
    )
    for entry in entries:
        question = bank.questions[entry["question"]]
        assert isinstance(question, ShortAnswer), entry["question"]
        decision = grade_short(question, str(entry.get("answer") or ""))
        earned = {i for i, idea in enumerate(decision.ideas) if idea.points > 0}
        label = set(entry["ideas"])
        agree = earned == label
        counts["agreed"] += agree
        counts["zero"] += not label
        if decision.confidence >= threshold:
            counts["above"] += 1
            counts["agreed_above"] += agree
            counts["credited"] += bool(not label and earned)
            counts["zeroed"] += bool(label and not earned)
        else:
            counts["reviewed"] += 1
            counts["reviewed_wrong"] += not agree
    return Figures(
        answers=len(entries),
        agreed=counts["agreed"],
        above=counts["above"],
        agreed_above=counts["agreed_above"],
        zero_deserving=counts["zero"],
        silently_credited=counts["credited"],
        silently_zeroed=counts["zeroed"],
        reviewed=counts["reviewed"],
        reviewed_wrong=counts["reviewed_wrong"],
    )
