"""Verdicts that do not depend on the seed: correct implementations graded on many seeds.

The per-submission seed comes from the file's content, so every correct
implementation must get full marks whatever the seed. For each day, this
grades in this process (trusted code only), with seeds 0 to N - 1 (``--first-seed``
F extends a sweep: seeds F to F + N - 1):

- the reference, and the whole alternative solutions of the test suite
  (``tests/fixtures/DAY/alt_correct*.py``);
- functions written differently, each appended to the reference
  (``tests/fixtures/DAY/seed_variants/*.py``).

Each grader test is called directly with the rng a grading session gives it
for that seed (no pytest session per seed, as ``tests/test_day1_content.py``
does for its 50-seed runs), the implementation loaded afresh for each seed. A
question with a failing test on one seed is a failure; the script prints,
per day and implementation, the failures per question and the first seeds
that failed. The graders that train a network cost seconds per seed: they run
on ``--training-seeds`` seeds (the others on ``--seeds``).

    python bench/seed_sweep.py [--seeds 1000] [--training-seeds 50] [--days day2 day5] [--workers 2]
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "cli"))
# One thread per process, as in the sandbox: with one per core in every worker, the
# training graders ran ten times slower (threads fighting over the cores).
os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")

from tpgrade import paths  # noqa: E402
from tpgrade.judge.local import LocalStudent  # noqa: E402
from tpgrade.judge.sourcecheck import SubmissionSource  # noqa: E402
from tpgrade.judge.student import Student  # noqa: E402

DAYS = ("day1", "day2", "day3", "day4", "day5")
FIXTURES = ROOT / "tests" / "fixtures"
# Grader files that train a network on every seed.
TRAINING = {
    "day1": ("test_train_classifier.py", "test_Autoencoder.py"),
    "day2": ("test_train_mlp_numpy.py",),
    "day3": ("test_VAE.py", "test_train_diffusion.py"),
    "day4": ("test_small_cnn.py", "test_gnn.py"),
    "day5": (),
}


@dataclass
class Sweep:
    day: str
    implementation: str
    graders: str  # "cheap" or "training"
    seeds: range
    failures: dict[str, list[int]] = field(default_factory=dict)  # question -> failing seeds
    seconds: float = 0.0


def implementations(day: str) -> Iterator[tuple[str, str, frozenset[str] | None]]:
    """(name, source, the questions it changes: None for a whole implementation)."""
    reference = paths.reference_file(day).read_text(encoding="utf-8")
    yield "reference", reference, None
    for path in sorted((FIXTURES / day).glob("alt_correct*.py")):
        yield path.stem, path.read_text(encoding="utf-8"), None
    for path in sorted((FIXTURES / day / "seed_variants").glob("*.py")):
        variant = path.read_text(encoding="utf-8")
        yield f"reference + {path.stem}", reference + "\n\n" + variant, defined_names(variant)


def defined_names(source: str) -> frozenset[str]:
    """The functions and classes a variant (re)defines: the questions worth sweeping for it."""
    return frozenset(
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    )


def grader_tests(day: str, training: bool) -> list[tuple[str, str, bool, Callable[..., None]]]:
    """(question, test name, NumPy only, test function) of the day's graders that train, or
    of those that do not, imported as the judge imports them."""
    folder = paths.graders_dir(day)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))  # the graders' own helpers (day 3's common.py)
    found = []
    for path in sorted(folder.glob("test_*.py")):
        if (path.name in TRAINING[day]) != training:
            continue
        spec = importlib.util.spec_from_file_location(f"sweep_{day}_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, function in vars(module).items():
            marks = [m for m in getattr(function, "pytestmark", []) if m.name == "question"]
            if name.startswith("test_") and marks:
                question = str(marks[0].args[0])
                found.append(
                    (question, f"{path.name}::{name}", bool(marks[0].kwargs.get("numpy_only")), function)
                )
    return found


def training_questions(day: str) -> frozenset[str]:
    return frozenset(question for question, *_ in grader_tests(day, training=True))


def passes(
    client: LocalStudent, question: str, test: str, numpy_only: bool, function: Any, seed: int
) -> bool:
    """Whether one grader test passes with the rng a grading session gives it for ``seed``."""
    client.enter_question(question, numpy_only=numpy_only)
    rng = np.random.default_rng([seed, zlib.crc32(test.encode())])
    try:
        function(Student(client), rng)
    except Exception:  # a wrong answer, or a fault of the student's code: both are failures here
        return False
    return True


def client_of(source: str) -> LocalStudent:
    """The implementation loaded once, in a namespace of its own (fresh calls get a new one)."""
    code = compile(source, "<submission>", "exec")

    def load() -> dict[str, Any]:
        namespace: dict[str, Any] = {"__name__": "__main__"}
        exec(code, namespace)
        return namespace

    return LocalStudent(load(), SubmissionSource((source,)), fresh_namespace=load)


def one_thread() -> None:
    import torch

    torch.set_num_threads(1)


Job = tuple[str, str, str, str, range, "frozenset[str] | None"]


def sweep(job: Job) -> Sweep:
    day, name, source, kind, seeds, changed = job
    result = Sweep(day, name, kind, seeds)
    started = time.monotonic()
    tests = grader_tests(day, kind == "training")
    if kind == "training" and changed is not None:
        # Only the training graders of what the variant changes (the others re-run the reference).
        tests = [test for test in tests if test[0] in changed]
    for seed in seeds:
        client = client_of(source)
        failed = {
            question
            for question, test, numpy_only, function in tests
            if not passes(client, question, test, numpy_only, function, seed)
        }
        for question in sorted(failed):
            result.failures.setdefault(question, []).append(seed)
    result.seconds = time.monotonic() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--training-seeds", type=int, default=50)
    parser.add_argument(
        "--first-seed", type=int, default=0, help="start there (to extend a sweep already run on 0..N-1)"
    )
    parser.add_argument("--days", nargs="*", default=list(DAYS))
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--no-training", action="store_true", help="leave out the graders that train")
    parser.add_argument("--only", default="", help="only the implementations whose name holds this text")
    args = parser.parse_args()
    jobs: list[Job] = []
    for day in args.days:
        kinds = {"cheap": args.seeds}
        if TRAINING[day] and not args.no_training:
            kinds["training"] = args.training_seeds
        for name, source, changed in implementations(day):
            if args.only not in name:
                continue
            for kind, seeds in kinds.items():
                # A variant of a function no training grader calls would only re-run the reference.
                if kind == "training" and changed is not None and not changed & training_questions(day):
                    continue
                jobs.append(
                    (day, name, source, kind, range(args.first_seed, args.first_seed + seeds), changed)
                )
    total_failures = 0
    with ProcessPoolExecutor(max_workers=args.workers, initializer=one_thread) as pool:
        for result in pool.map(sweep, jobs):
            failed = sum(len(s) for s in result.failures.values())
            total_failures += failed
            shown = f"{len(result.seeds)} seeds" + (
                f" from {result.seeds.start}" if result.seeds.start else ""
            )
            head = f"{result.day} {result.implementation} ({result.graders} graders, {shown})"
            print(f"{head}: {failed} failure(s) in {result.seconds:.0f} s", flush=True)
            for question, seeds in sorted(result.failures.items()):
                print(
                    f"    {question}: {len(seeds)} of {len(result.seeds)} seeds, first {seeds[:5]}",
                    flush=True,
                )
    print(f"total: {total_failures} failure(s) over {len(jobs)} sweeps")


if __name__ == "__main__":
    main()
