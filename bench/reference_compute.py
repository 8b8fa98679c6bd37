"""Benchmark: how long the judge spends computing the reference per submission.

Grades each day's reference solution (without a sandbox: the reference is
trusted) while timing every call into the reference module, and prints per
day the judge's reference compute against the whole grading time. This is
what computing the reference once per batch could save. Run:

    python bench/reference_compute.py [day ...]
"""

from __future__ import annotations

import functools
import sys
import time
import types
from collections.abc import Callable
from typing import Any

from tpgrade import paths
from tpgrade.course.validate import available_days
from tpgrade.grader import reference
from tpgrade.judge.engine import GradingConfig, grade_program, grader_version
from tpgrade.judge.submission import program_from_source, source_hash
from tpgrade.sandbox.none import NoSandbox


def timed(function: Callable[..., Any], spent: list[float]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    return wrapper


def main() -> None:
    days = sys.argv[1:] or available_days()
    print(f"{'day':6} {'grading s':>10} {'reference s':>12} {'calls':>6}")
    for day in days:
        module = reference(day)
        spent: list[float] = []
        for name, value in list(vars(module).items()):
            if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
                setattr(module, name, timed(value, spent))
        source = paths.reference_file(day).read_text(encoding="utf-8")
        config = GradingConfig(
            day=day, tests_dir=paths.graders_dir(day), sandbox=NoSandbox(), grader_version=grader_version(day)
        )
        grade_program("warm-up", "reference.py", "w", program_from_source(source), config)
        spent.clear()
        result = grade_program(
            "reference", "reference.py", source_hash(source), program_from_source(source), config
        )
        print(f"{day:6} {result.timings.total_s:10.3f} {sum(spent):12.4f} {len(spent):6d}")


if __name__ == "__main__":
    main()
