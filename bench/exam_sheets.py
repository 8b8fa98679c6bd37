"""Benchmark: grading exam answer sheets, and matching very long short answers.

Writes a cohort of YAML answer sheets for a drawn paper (short answers taken
from the labelled answers of tests/fixtures/exam, the rest right or wrong at
random), grades it with ``grade_cohort`` into a fresh store with one worker
and with several, then again (everything found in the store), and prints the
wall times. Then it matches answers of growing length against a short
question with the matcher itself (no cap), to show the time grows linearly,
up to 1.9 MB (a sheet's limit is 2 MB), and answers made of one hostile
pattern repeated (breaks, commas, bare keywords, negations), at two sizes
each, to show that none makes the time grow faster than the length. Run:

    python bench/exam_sheets.py [--count 300] [--workers N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from exam_measure import load_labelled  # noqa: E402

from tpgrade.cohort.batch import default_workers  # noqa: E402
from tpgrade.cohort.sqlite_store import SqliteStore  # noqa: E402
from tpgrade.exam.bank import load_bank  # noqa: E402
from tpgrade.exam.cohort import grade_cohort  # noqa: E402
from tpgrade.exam.paper import draw_paper, variant  # noqa: E402
from tpgrade.exam.rubric import grade_short  # noqa: E402
from tpgrade.exam.schema import MultipleChoice, Numeric, Ordering, ShortAnswer, SingleChoice  # noqa: E402

LABELLED = HERE.parent / "tests" / "fixtures" / "exam" / "short_answers.yaml"


def write_cohort(folder: Path, count: int, seed: int = 3) -> tuple[object, object]:
    bank = load_bank()
    paper = draw_paper(bank, seed, variants=3)
    labelled = load_labelled(LABELLED)
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for index in range(count):
        shown = variant(paper, bank, index % 4)
        answers: dict[str, object] = {}
        for qid in shown.questions:
            question = bank.questions[qid]
            key = f"Q{shown.position(qid)}"
            if isinstance(question, SingleChoice):
                answers[key] = shown.label(qid, rng.choice([c.id for c in question.choices]))
            elif isinstance(question, MultipleChoice):
                answers[key] = [shown.label(qid, c.id) for c in question.choices if rng.random() < 0.5]
            elif isinstance(question, Numeric):
                answers[key] = question.answer if rng.random() < 0.6 else question.answer + 1
            elif isinstance(question, Ordering):
                answers[key] = [
                    shown.label(qid, i) for i in rng.sample(question.answer, len(question.answer))
                ]
            elif isinstance(question, ShortAnswer):
                pool = [e["answer"] for e in labelled if e["question"] == qid] or [question.model_answer]
                answers[key] = rng.choice(pool)
        sheet = {"etudiant": f"etudiant_{index:03d}", "variante": shown.number, "reponses": answers}
        (folder / f"etudiant_{index:03d}.yaml").write_text(
            yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8"
        )
    return bank, paper


def timed_cohort(count: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        bank, paper = write_cohort(root / "sheets", count)
        for label, jobs in (("1 worker", 1), (f"{workers} workers", workers)):
            store = SqliteStore(root / f"{jobs}.sqlite")
            start = time.perf_counter()
            grades = grade_cohort([root / "sheets"], paper, bank, store, workers=jobs)  # type: ignore[arg-type]
            elapsed = time.perf_counter() - start
            graded = sum(r.status == "graded" for r in grades.results)
            review = len(grades.pending)
            print(
                f"{count} sheets, {label}: {elapsed:.2f} s ({graded} graded, {review} short answers to review)"
            )
        start = time.perf_counter()
        again = grade_cohort([root / "sheets"], paper, bank, store, workers=workers)  # type: ignore[arg-type]
        print(f"again, all in the store: {time.perf_counter() - start:.2f} s ({again.reused} reused)")


def timed_long_answers() -> None:
    question = load_bank().questions["segmentation-difference-detection"]
    assert isinstance(question, ShortAnswer)
    sentence = "La détection donne une boîte autour de chaque objet, et la segmentation classe chaque pixel. "
    for size in (16 << 10, 128 << 10, 512 << 10, int(1.9 * (1 << 20))):
        answer = (sentence * (size // len(sentence) + 1))[:size]
        start = time.perf_counter()
        decision = grade_short(question, answer)
        elapsed = time.perf_counter() - start
        print(
            f"matching a {len(answer.encode()) / 1024:.0f} KB answer: {elapsed:.2f} s "
            f"({elapsed / len(answer) * 1e6:.2f} µs per character; score {decision.score:g})"
        )


HOSTILE_SHAPES = {
    "full stops": " .",
    "mixed breaks": " ; : . ! ?",
    "commas": "segmentation, ",
    "bare keywords": "pixel boîte classe objet détection segmentation ",
    "negations": "sans pas ni aucun ",
    "relatives": "qui que dont ",
}


def timed_hostile_answers(size: int = 200 << 10) -> None:
    """Answers made of one short pattern repeated: each shape at two sizes, so that a time
    growing faster than the length shows as a ratio well above 2."""
    question = load_bank().questions["segmentation-difference-detection"]
    assert isinstance(question, ShortAnswer)
    for label, pattern in HOSTILE_SHAPES.items():
        times = []
        for length in (size // 2, size):
            answer = (pattern * (length // len(pattern) + 1))[:length]
            start = time.perf_counter()
            decision = grade_short(question, answer)
            times.append(time.perf_counter() - start)
        print(
            f"hostile '{label}' x {size >> 10} KB: {times[1]:.2f} s; doubling the length "
            f"multiplies the time by {times[1] / max(times[0], 1e-9):.1f} (score {decision.score:g})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()
    timed_cohort(args.count, max(2, args.workers))
    timed_long_answers()
    timed_hostile_answers()


if __name__ == "__main__":
    main()
