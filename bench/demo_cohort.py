"""Benchmark: grading the demo cohort (``tpgrade demo``) from scratch.

Prints the median and the spread of the per-submission grading time. Run:

    python bench/demo_cohort.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tpgrade.cohort.sqlite_store import SqliteStore


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tpgrade-bench-demo-") as scratch:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tpgrade", "demo", "--out", scratch], check=True, capture_output=True
        )
        wall = time.perf_counter() - started
        results = SqliteStore(Path(scratch) / "tpgrade.sqlite").latest("day2")
    graded = sorted((r.timings.total_s, r.student) for r in results if r.status == "graded")
    print(
        f"submissions            {len(results)} ({len(graded)} graded, {len(results) - len(graded)} rejected)"
    )
    print(f"per submission, median {statistics.median(t for t, _ in graded):.3f} s")
    print("per submission         " + ", ".join(f"{name} {seconds:.2f} s" for seconds, name in graded))
    print(f"wall time, whole demo  {wall:.2f} s (cohort building, process start and reports included)")


if __name__ == "__main__":
    main()
