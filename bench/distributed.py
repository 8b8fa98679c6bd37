"""Benchmark: the same Day 2 cohort graded locally and through the PostgreSQL queue.

Writes a cohort of ``--count`` distinct Day 2 submissions (the reference and
the developers' alternatives, each made distinct by a comment), grades it
with ``tpgrade grade --workers 2`` into SQLite, then through the queue with
``tpgrade worker``: 1 worker of 1 process, 2 workers of 1 process, 1 worker of
2 processes, each on a fresh database of a PostgreSQL server started for the
run (loopback). Prints, per run, wall time and throughput, and for the queue
the overhead per job read from Procrastinate's events: the gap between a
process ending a job and starting its next one (fetching), and what a job
takes beyond the grading's own clock (start → stored, minus the result's
total time: it includes reading the file and building the result, which the
local path pays too).
Needs PostgreSQL's binaries (Debian: postgresql) and bubblewrap. Run:

    python bench/distributed.py [--count 200]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import psycopg  # noqa: E402
from postgres_server import PostgresServer, stop_quietly  # noqa: E402

from tpgrade import paths  # noqa: E402

ALTERNATIVES = [
    paths.reference_file("day2"),
    HERE.parent / "tests" / "fixtures" / "day2" / "alt_correct.py",
    HERE.parent / "tests" / "fixtures" / "day2" / "alt_correct_2.py",
]


def tpgrade(*args: str) -> list[str]:
    return [sys.executable, "-m", "tpgrade", *args]


def write_cohort(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    sources = [path.read_text(encoding="utf-8") for path in ALTERNATIVES]
    for index in range(count):
        (folder / f"student{index:04d}.py").write_text(f"# {index}\n{sources[index % len(sources)]}")


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, timeout=7200)
    return time.perf_counter() - start


def queue_run(
    server: PostgresServer, cohort: Path, cwd: Path, workers: int, processes: int
) -> tuple[float, str]:
    url = server.database()
    subprocess.run(tpgrade("db", "init", "--database", url), check=True, capture_output=True)
    started = [
        subprocess.Popen(
            tpgrade("worker", "--database", url, "--processes", str(processes), "--sandbox", "process"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        wait_for_workers(url, workers * processes)  # started (torch, zygote, self-test) before the clock
        elapsed = timed(tpgrade("grade", "day2", str(cohort), "--database", url), cwd)
        said = overheads(url)  # while the workers live: a stopped worker's jobs lose its id
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=300)
    return elapsed, said


def wait_for_workers(url: str, count: int, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    with psycopg.connect(url, autocommit=True) as db:
        while True:
            row = db.execute(b"SELECT count(*) FROM procrastinate_workers").fetchone()
            if row and int(row[0]) >= count:
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"only {row[0] if row else 0} of {count} worker processes started")
            time.sleep(0.2)


def overheads(url: str) -> str:
    """Median and 95th percentile of the fetch gap and of the bookkeeping around grading, in ms."""
    with psycopg.connect(url, autocommit=True) as db:
        rows = db.execute(
            b"SELECT j.worker_id, "
            b"  extract(epoch FROM max(e.at) FILTER (WHERE e.type = 'started')), "
            b"  extract(epoch FROM max(e.at) FILTER (WHERE e.type = 'succeeded')), "
            b"  (r.result_json::json -> 'timings' ->> 'total_s')::float "
            b"FROM procrastinate_jobs j JOIN procrastinate_events e ON e.job_id = j.id "
            b"JOIN results r ON r.student = j.args ->> 'student' AND r.day = j.args ->> 'day' "
            b"GROUP BY j.id, j.worker_id, r.result_json ORDER BY j.worker_id, 2"
        ).fetchall()
    gaps, around = [], []
    previous: dict[object, float] = {}
    for worker, start, end, graded in rows:
        start, end = float(start), float(end)
        if worker in previous:
            gaps.append(1000 * (start - previous[worker]))
        previous[worker] = end
        around.append(1000 * max(0.0, end - start - float(graded or 0)))

    def spread(values: list[float]) -> str:
        if len(values) < 2:
            return "n/a"
        ranked = sorted(values)
        return (
            f"median {statistics.median(ranked):.1f} ms, p95 {ranked[int(0.95 * (len(ranked) - 1))]:.1f} ms"
        )

    return f"fetch gap {spread(gaps)}; start → stored beyond the grading's clock {spread(around)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tpgrade-bench-queue-") as scratch:
        root = Path(scratch)
        cohort = root / "cohort"
        write_cohort(cohort, args.count)
        local = timed(
            tpgrade("grade", "day2", str(cohort), "--store", str(root / "local.sqlite"), "--workers", "2"),
            root,
        )
        print(f"local, 2 worker processes: {local:.1f} s, {args.count / local:.2f} submissions/s", flush=True)
        server = PostgresServer(root / "postgres")
        try:
            for workers, processes in ((1, 1), (2, 1), (1, 2)):
                elapsed, said = queue_run(server, cohort, root, workers, processes)
                total = workers * processes
                print(
                    f"queue, {workers} worker(s) of {processes} process(es): {elapsed:.1f} s, "
                    f"{args.count / elapsed:.2f} submissions/s"
                    + (f" ({100 * (local / elapsed):.0f} % of the local path's)" if total == 2 else "")
                    + f"; {said}",
                    flush=True,
                )
        finally:
            stop_quietly(server)


if __name__ == "__main__":
    main()
