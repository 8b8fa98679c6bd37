"""Benchmark: ``tpgrade grade day2`` on a folder of correct submissions.

Prints the wall time of the whole folder and per-submission figures. Run:

    python bench/grade_folder.py [--count 50] [--sandbox process]
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
from tpgrade.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--sandbox", default="process")
    options = parser.parse_args()
    reference = paths.reference_file("day2").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="tpgrade-bench-") as scratch:
        folder = Path(scratch) / "cohort"
        folder.mkdir()
        for index in range(options.count):
            (folder / f"student{index:03d}.py").write_text(f"# student {index}\n{reference}")
        store = Path(scratch) / "bench.sqlite"
        command = [
            sys.executable,
            "-m",
            "tpgrade",
            "grade",
            "day2",
            str(folder),
            "--store",
            str(store),
            "--sandbox",
            options.sandbox,
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - started
        results = Store(store).latest("day2")
    totals = [r.timings.total_s for r in results]
    full = sum(r.score == r.max_score for r in results)
    print(f"submissions            {len(results)} ({full} with full marks)")
    print(f"sandbox                {options.sandbox}")
    print(f"wall time, whole run   {wall:.2f} s (process start and imports included)")
    print(
        f"per submission, median {statistics.median(totals):.3f} s (load {statistics.median(r.timings.load_s for r in results):.3f} s)"
    )
    print(f"per submission, max    {max(totals):.3f} s")
    print(f"throughput             {60 * len(results) / wall:.0f} submissions/min")


if __name__ == "__main__":
    main()
