"""Benchmark: a synthetic cohort of Day 2 submissions graded with ``tpgrade grade``.

The cohort: mostly correct submissions, some with a known bug (the graders'
mutants), a few that crash (a syntax error, a cell that raises, ``os._exit``
in a function) and a few that time out (an endless loop in a function).
Prints the cohort's wall time, submissions per minute, the median
per-submission time and its overhead beyond the reference's own compute (the
graders run on the reference in this process, no sandbox), and the peak
memory of the whole process tree. Run:

    python bench/cohort.py [--count 200] [--sandbox process] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tpgrade import paths
from tpgrade.local import grade_source_in_process
from tpgrade.store import Store

CRASHING = {
    "syntax": lambda ref: ref.replace("def softmax(", "def softmax(:", 1),
    "raises_in_cell": lambda ref: ref + "\nraise RuntimeError('oups')\n",
    "os_exit": lambda ref: ref + "\nimport os\ndef sgd_step(params, grads, lr):\n    os._exit(3)\n",
}
TIMING_OUT = "\ndef grad_quadratic(x):\n    while True:\n        pass\n"


def build(folder: Path, count: int) -> None:
    reference = paths.reference_file("day2").read_text(encoding="utf-8")
    mutants = sorted(paths.mutants_dir("day2").glob("*.py"))
    for index in range(count):
        if index % 50 == 7:
            text = reference + TIMING_OUT
        elif index % 25 == 3:
            text = list(CRASHING.values())[index % 3](reference)
        elif index % 5 == 1:
            text = reference + "\n" + mutants[index % len(mutants)].read_text(encoding="utf-8")
        else:
            text = reference
        (folder / f"student{index:03d}.py").write_text(f"# student {index}\n{text}")


def tree_rss(root: int) -> int:
    """Resident memory of ``root`` and its descendants, in bytes (from /proc)."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            with open(f"/proc/{pid}/statm") as stream:
                total += int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as stream:
                    pending.extend(int(child) for child in stream.read().split())
        except (OSError, ValueError):
            continue
    return total


def reference_compute() -> float:
    """Seconds the graders take on the reference in this process (median of three)."""
    source = paths.reference_file("day2").read_text(encoding="utf-8")
    times = []
    for _ in range(3):
        started = time.perf_counter()
        grade_source_in_process(paths.graders_dir("day2"), source, seed=1)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--sandbox", default="process")
    parser.add_argument("--workers", type=int, default=None)
    options = parser.parse_args()
    compute = reference_compute()
    with tempfile.TemporaryDirectory(prefix="tpgrade-bench-cohort-") as scratch:
        folder = Path(scratch) / "cohort"
        folder.mkdir()
        build(folder, options.count)
        store = Path(scratch) / "bench.sqlite"
        command = [sys.executable, "-m", "tpgrade", "grade", "day2", str(folder), "--store", str(store)]
        command += ["--sandbox", options.sandbox]
        if options.workers:
            command += ["--workers", str(options.workers)]
        peak = 0
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        def sample() -> None:
            nonlocal peak
            while process.poll() is None:
                peak = max(peak, tree_rss(process.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, errors = process.communicate()
        wall = time.perf_counter() - started
        sampler.join()
        if process.returncode != 0:
            sys.exit(f"tpgrade grade failed: {errors.decode()[-500:]}")
        results = Store(store).latest("day2")
    graded = [r for r in results if r.status == "graded"]
    ordinary = [r.timings.total_s for r in graded if not any(q.status == "timed_out" for q in r.questions.values())]
    median = statistics.median(ordinary)
    print(f"submissions              {len(results)} ({len(graded)} graded, {sum(r.score == r.max_score for r in graded)} full marks)")
    print(f"sandbox, workers         {options.sandbox}, {options.workers or 'default (one per core)'}")
    print(f"cohort wall time         {wall:.1f} s")
    print(f"throughput               {60 * len(results) / wall:.0f} submissions/min")
    print(f"per submission, median   {median:.3f} s (submissions without a time-out)")
    print(f"reference compute        {compute:.3f} s (graders on the reference, in process)")
    print(f"overhead, median         {median - compute:.3f} s per submission")
    print(f"peak memory (tree RSS)   {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
