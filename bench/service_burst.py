"""The grading service under a deadline burst, and one student on an idle service.

Starts ``tpgrade serve`` on loopback with its own PostgreSQL server (in a
temporary folder) and ``--workers`` grading processes, imports the students,
then:

1. idle latency: one student hands in a correct Day 2 file ``--idle`` times,
   one after another (each file distinct, so none is found graded already);
   the time from the upload to the graded status, median and max;
2. the burst: ``--students`` distinct students each hand in one correct,
   distinct Day 2 file, spread over ``--window`` seconds; acceptance latency
   (upload to receipt) p50/p99, the instructor's cohort page latency during
   the burst, the time from the last upload to the last graded status, and a
   check that every receipt has exactly one result.

    python bench/service_burst.py [--students 300] [--window 60] [--workers 2] [--idle 20]

Loopback only; bounded by ``--students`` and a 15-minute wait.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import psycopg

from tpgrade import paths
from tpgrade.cluster.private_postgres import PostgresCluster, free_port

REFERENCE = paths.reference_file("day2").read_text(encoding="utf-8")
PATIENCE_S = 900


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start(folder: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    log = (folder / "serve.log").open("wb")
    command = [sys.executable, "-m", "tpgrade", "serve", "--data", str(folder / "db"), "--port", str(port)]
    command += ["--workers", str(workers), "--sandbox", "process"]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(folder: Path, address: str) -> str:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        text = (folder / "serve.log").read_text()
        if "instructor: " in text and "serving cpu queues" in text:
            link = text.split("instructor: ", 1)[1].split()[0]
            try:
                httpx2.get(address + "/", timeout=2)
                return link
            except httpx2.TransportError:
                pass
        time.sleep(0.2)
    raise SystemExit(f"the service did not start:\n{(folder / 'serve.log').read_text()}")


def students(folder: Path, count: int) -> list[str]:
    roster = folder / "roster.csv"
    rows = ["student,email"] + [f"Étudiant {n:04d},e{n}@example.org" for n in range(count)]
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    links = folder / "links.csv"
    command = [sys.executable, "-m", "tpgrade", "roster", "import", str(roster), "--data", str(folder / "db")]
    subprocess.run([*command, "--out", str(links)], check=True, capture_output=True)
    with links.open(encoding="utf-8") as stream:
        return [row["token"] for row in csv.DictReader(stream)]


def hand_in(client: httpx2.Client, token: str, tag: str) -> tuple[str, float]:
    content = (REFERENCE + f"\n# {tag}\n").encode()
    started = time.monotonic()
    response = client.post(
        "/api/v1/submissions",
        headers={"authorization": f"Bearer {token}"},
        data={"day": "day2"},
        files={"file": ("tp_day2.py", content)},
    )
    response.raise_for_status()
    return str(response.json()["id"]), time.monotonic() - started


def graded(client: httpx2.Client, token: str, ident: str) -> bool:
    found = client.get(f"/api/v1/submissions/{ident}", headers={"authorization": f"Bearer {token}"}).json()
    if found["status"] in ("rejected", "system_error"):
        raise SystemExit(f"submission {ident} ended {found['status']}: {found}")
    return bool(found["status"] == "graded")


def idle(client: httpx2.Client, token: str, count: int) -> None:
    times = []
    for n in range(count):
        started = time.monotonic()
        ident, _ = hand_in(client, token, f"idle {n}")
        while not graded(client, token, ident):
            time.sleep(0.05)
        times.append(time.monotonic() - started)
    print(
        f"idle: upload to graded, {count} hand-ins: median {statistics.median(times):.2f} s, max {max(times):.2f} s"
    )


def burst(address: str, tokens: list[str], window: float, instructor: str) -> list[tuple[str, str]]:
    accepted: list[float] = []
    receipts: list[tuple[str, str]] = []
    dashboard: list[float] = []
    lock = threading.Lock()
    done = threading.Event()

    def watch() -> None:
        with httpx2.Client(base_url=address, timeout=30) as client:
            client.get(instructor.split(address, 1)[1])
            while not done.is_set():
                started = time.monotonic()
                client.get("/instructor/days/day2").raise_for_status()
                dashboard.append(time.monotonic() - started)
                time.sleep(1)

    def one(n: int) -> None:
        time.sleep(max(0.0, n * window / len(tokens) - (time.monotonic() - began)))
        with httpx2.Client(base_url=address, timeout=60) as client:
            ident, seconds = hand_in(client, tokens[n], f"burst {n}")
        with lock:
            accepted.append(seconds)
            receipts.append((tokens[n], ident))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(one, range(len(tokens))))
    last_upload = time.monotonic()
    print(
        f"burst: {len(tokens)} uploads over {last_upload - began:.0f} s; acceptance p50 "
        f"{percentile(accepted, 0.5) * 1000:.0f} ms, p99 {percentile(accepted, 0.99) * 1000:.0f} ms"
    )
    pending = dict(receipts)
    with httpx2.Client(base_url=address, timeout=30) as client:
        while pending and time.monotonic() - last_upload < PATIENCE_S:
            for token, ident in list(pending.items()):
                if graded(client, token, ident):
                    del pending[token]
            time.sleep(0.5)
    done.set()
    watcher.join(timeout=30)
    print(
        f"burst: last feedback visible {time.monotonic() - last_upload:.0f} s after the last upload; "
        f"{len(pending)} not graded"
    )
    print(
        f"instructor's cohort page during the burst: p50 {percentile(dashboard, 0.5) * 1000:.0f} ms, "
        f"max {max(dashboard) * 1000:.0f} ms over {len(dashboard)} loads"
    )
    return receipts


def one_result_each(database: str, count: int) -> None:
    with psycopg.connect(database, autocommit=True) as db:
        row = db.execute(
            b"SELECT count(*), count(r.status) FROM web_submissions w LEFT JOIN results r USING "
            b"(day, student, submission_hash, grader_version)"
        ).fetchone()
        twice = db.execute(
            b"SELECT count(*) FROM (SELECT 1 FROM results GROUP BY day, student, submission_hash, grader_version "
            b"HAVING count(*) > 1) d"
        ).fetchone()
    assert row is not None and twice is not None
    print(f"receipts: {row[0]}, with a result: {row[1]}, keys with more than one result: {twice[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tpgrade-burst-") as scratch:
        folder = Path(scratch)
        folder.chmod(0o755)
        port = free_port()
        address = f"http://127.0.0.1:{port}"
        serving = start(folder, port, args.workers)
        try:
            instructor = wait_ready(folder, address)
            tokens = students(folder, args.students + 1)
            with httpx2.Client(base_url=address, timeout=60) as client:
                idle(client, tokens[-1], args.idle)
            burst(address, tokens[: args.students], args.window, instructor)
            one_result_each(PostgresCluster(folder / "db").ensure_database("tpgrade"), args.students)
        finally:
            serving.terminate()
            serving.wait(timeout=120)


if __name__ == "__main__":
    main()
