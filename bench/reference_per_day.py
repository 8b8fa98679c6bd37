"""Benchmark: grading each day's reference solution in the process sandbox.

Prints, per day, the score, the wall seconds of loading and grading, the
judge's own CPU seconds, and the CPU seconds the whole machine spent meanwhile
(judge and sandboxed runner; meaningful on an otherwise idle machine).
``--cold`` starts every runner from scratch instead of forking it from a
warm zygote (the default as root). Run:

    python bench/reference_per_day.py [--cold] [day ...]
"""

from __future__ import annotations

import argparse
import resource
import time

from tpgrade import paths
from tpgrade.course.validate import available_days
from tpgrade.judge.engine import GradingConfig, grade_program, grader_version
from tpgrade.judge.submission import program_from_source, source_hash
from tpgrade.sandbox.process import BubblewrapSandbox


def machine_cpu_seconds() -> float:
    """User + system time of all CPUs since boot, from /proc/stat (clock ticks of 1/100 s)."""
    with open("/proc/stat") as stream:
        fields = stream.readline().split()[1:]
    user, nice, system = (int(value) for value in fields[:3])
    return (user + nice + system) / 100.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("days", nargs="*", help="days to grade (default: all)")
    parser.add_argument("--cold", action="store_true", help="no warm runners")
    args = parser.parse_args()
    days = args.days or available_days()
    preload = paths.preloaded_libraries(*days)
    sandbox = BubblewrapSandbox([paths.course_root()], warm=not args.cold, preload=preload)
    print(f"sandbox: {sandbox.describe()}")
    print(
        f"{'day':6} {'score':>11} {'load s':>8} {'grade s':>8} {'wall s':>8} {'judge CPU s':>12} {'all CPU s':>10}"
    )
    for day in days:
        source = paths.reference_file(day).read_text(encoding="utf-8")
        config = GradingConfig(
            day=day, tests_dir=paths.graders_dir(day), sandbox=sandbox, grader_version=grader_version(day)
        )
        grade_program("warm-up", "reference.py", "warm-up", program_from_source(source), config)
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        machine = machine_cpu_seconds()
        started = time.perf_counter()
        result = grade_program(
            "reference", "reference.py", source_hash(source), program_from_source(source), config
        )
        wall = time.perf_counter() - started
        machine = machine_cpu_seconds() - machine
        used = resource.getrusage(resource.RUSAGE_SELF)
        judge_cpu = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
        score = f"{result.score:g}/{result.max_score:g}"
        print(
            f"{day:6} {score:>11} {result.timings.load_s:8.2f} {result.timings.grade_s:8.2f} {wall:8.2f} {judge_cpu:12.2f} {machine:10.2f}"
        )


if __name__ == "__main__":
    main()
