"""Benchmark: how far the short-answer matcher agrees with hand-labelled answers.

Prints aggregate figures only (never an answer), so that it may be run on a
frozen, blind set: agreement with the labels, agreement of the decisions at or
above the review threshold, zero-deserving answers credited without review,
and the share sent to review. Run:

    python bench/exam_agreement.py [LABELLED.yaml ...]

(default: the tuning sets under tests/fixtures/exam).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from exam_measure import load_labelled, measure  # noqa: E402

from tpgrade.exam.bank import load_bank  # noqa: E402

FIXTURES = HERE.parent / "tests" / "fixtures" / "exam"
DEFAULT = [FIXTURES / f"{name}.yaml" for name in ("short_answers", "tuning_answers", "tuning_answers_4")]


def main(paths: list[Path]) -> None:
    bank = load_bank()
    for path in paths:
        print("\n".join(measure(load_labelled(path), bank).lines(path.name)))


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT)
