"""Benchmark: ``tpgrade grade day2`` on a folder of correct submissions, per sandbox.

Grades the same folder once with each sandbox named (a store of its own
each) and prints the wall time of the whole folder and per-submission
figures; with two sandboxes, the difference of their medians is the
per-submission overhead of the second against the first. Run:

    python bench/grade_folder.py [--count 50] [--sandbox process] [--sandbox docker]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tpgrade import paths
from tpgrade.cohort.sqlite_store import SqliteStore


def grade(folder: Path, store: Path, sandbox: str) -> tuple[float, list[float], list[float], int]:
    """Wall time, per-submission totals and load times, and how many got full marks."""
    command = [sys.executable, "-m", "tpgrade", "grade", "day2", str(folder), "--store", str(store)]
    started = time.perf_counter()
    subprocess.run([*command, "--sandbox", sandbox], check=True, capture_output=True)
    wall = time.perf_counter() - started
    results = SqliteStore(store).latest("day2")
    full = sum(r.score == r.max_score for r in results)
    return wall, [r.timings.total_s for r in results], [r.timings.load_s for r in results], full


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--sandbox", action="append", help="process, docker or none (repeatable)")
    options = parser.parse_args()
    sandboxes = options.sandbox or ["process"]
    reference = paths.reference_file("day2").read_text(encoding="utf-8")
    medians: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="tpgrade-bench-") as scratch:
        folder = Path(scratch) / "cohort"
        folder.mkdir()
        for index in range(options.count):
            (folder / f"student{index:03d}.py").write_text(f"# student {index}\n{reference}")
        for sandbox in sandboxes:
            wall, totals, loads, full = grade(folder, Path(scratch) / f"{sandbox}.sqlite", sandbox)
            medians[sandbox] = statistics.median(totals)
            print(f"sandbox                {sandbox}")
            print(f"submissions            {len(totals)} ({full} with full marks)")
            print(f"wall time, whole run   {wall:.2f} s (process start and imports included)")
            print(f"per submission, median {medians[sandbox]:.3f} s (load {statistics.median(loads):.3f} s)")
            print(f"per submission, max    {max(totals):.3f} s")
            print(f"throughput             {60 * len(totals) / wall:.0f} submissions/min")
            print()
    if len(sandboxes) >= 2:
        first = sandboxes[0]
        for other in sandboxes[1:]:
            extra = medians[other] - medians[first]
            print(f"overhead of {other} over {first}: {extra:+.3f} s per submission (medians)")


if __name__ == "__main__":
    main()
