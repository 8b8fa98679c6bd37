"""Benchmark: a synthetic cohort of Day 2 submissions graded with ``tpgrade grade``.

The cohort: mostly correct submissions, some with a known bug (the graders'
mutants), a few that crash (a syntax error, a cell that raises, ``os._exit``
in a function) and a few that time out (an endless loop in a function).
Prints the cohort's wall time, submissions per minute, the median
per-submission time and its overhead beyond the reference's own compute (the
graders run on the reference in this process, no sandbox), and the peak
memory of the whole process tree. Run:

    python bench/cohort.py [--count 200] [--sandbox process] [--workers N]

With ``--kill-after S`` it also checks resumption: the same cohort is graded
again into a second store, that run is killed with SIGKILL after S seconds
and started again, and the two stores must hold the same submissions, each
once, with identical scores and statuses per question.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tpgrade import paths
from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.judge.local import grade_source_in_process
from tpgrade.models import SubmissionResult

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


def grade_command(folder: Path, store: Path, options: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "tpgrade", "grade", "day2", str(folder), "--store", str(store)]
    command += ["--sandbox", options.sandbox]
    return command + (["--workers", str(options.workers)] if options.workers else [])


def check_resumption(folder: Path, reference_store: Path, options: argparse.Namespace) -> None:
    """SIGKILL a second grading after ``kill_after`` seconds, run it again, compare with the first."""
    store = reference_store.with_name("killed.sqlite")
    process = subprocess.Popen(
        grade_command(folder, store, options), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(options.kill_after)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(store) as db:
        before = int(db.execute("SELECT COUNT(*) FROM results").fetchone()[0])
    subprocess.run(grade_command(folder, store, options), check=True, capture_output=True)
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT student, COUNT(*) FROM results GROUP BY student").fetchall()
    killed = {r.student: r for r in SqliteStore(store).latest("day2")}
    clean = {r.student: r for r in SqliteStore(reference_store).latest("day2")}
    twice = [student for student, count in rows if count > 1]

    def marks(result: SubmissionResult) -> dict[str, tuple[float, str]]:
        # Scores and statuses: a student's unseeded code may word the same failure with other numbers.
        return {name: (q.score, q.status) for name, q in result.questions.items()}

    differ = sorted(s for s in clean if s not in killed or marks(killed[s]) != marks(clean[s]))
    print(f"killed after             {options.kill_after:g} s with {before} results stored; re-run finished")
    print(
        f"resumed store            {len(killed)} submissions, stored twice: {len(twice)}, different: {len(differ)}"
    )
    for student in differ[:5]:
        for name, question in clean[student].questions.items():
            other = killed[student].questions.get(name) if student in killed else None
            if other is None or (other.score, other.status) != (question.score, question.status):
                got = (other.score, other.status, other.message[:80]) if other else None
                print(
                    f"  {student} {name}: {question.score} {question.status} {question.message[:80]!r} / {got}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--sandbox", default="process")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--kill-after", type=float, default=None, help="also check resumption after a SIGKILL"
    )
    options = parser.parse_args()
    compute = reference_compute()
    with tempfile.TemporaryDirectory(prefix="tpgrade-bench-cohort-") as scratch:
        folder = Path(scratch) / "cohort"
        folder.mkdir()
        build(folder, options.count)
        store = Path(scratch) / "bench.sqlite"
        command = grade_command(folder, store, options)
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
        results = SqliteStore(store).latest("day2")
        if options.kill_after is not None:
            check_resumption(folder, store, options)
    graded = [r for r in results if r.status == "graded"]
    ordinary = [
        r.timings.total_s for r in graded if not any(q.status == "timed_out" for q in r.questions.values())
    ]
    median = statistics.median(ordinary)
    print(
        f"submissions              {len(results)} ({len(graded)} graded, {sum(r.score == r.max_score for r in graded)} full marks)"
    )
    print(f"sandbox, workers         {options.sandbox}, {options.workers or 'default (one per core)'}")
    print(f"cohort wall time         {wall:.1f} s")
    print(f"throughput               {60 * len(results) / wall:.0f} submissions/min")
    print(f"per submission, median   {median:.3f} s (submissions without a time-out)")
    print(f"reference compute        {compute:.3f} s (graders on the reference, in process)")
    print(f"overhead, median         {median - compute:.3f} s per submission")
    print(f"peak memory (tree RSS)   {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
