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
   the burst, the time from the last upload to the last feedback, and a
   check that every receipt has exactly one result.

Each student waits for the feedback as ``tpgrade submit`` does: on the
submission's event stream (Server-Sent Events), reconnecting if it breaks.

With ``--kill-web`` the deployment is split as on several machines (a
PostgreSQL server, ``tpgrade worker``, ``tpgrade serve --database URL
--no-workers``) and the web process is killed with SIGKILL halfway through
the burst, then started again: uploads without a receipt are tried again,
streams reconnect, and the check is that no receipt is lost and none is
graded twice.

    python bench/service_burst.py [--students 300] [--window 60] [--workers 2] [--idle 20] [--kill-web]

Loopback only; bounded by ``--students`` and a 15-minute wait.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
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


class Deployment:
    """``tpgrade serve`` on loopback: alone (its own PostgreSQL server and workers), or split
    (a PostgreSQL server, ``tpgrade worker``, and the web front by itself, which can be killed)."""

    def __init__(self, folder: Path, workers: int, split: bool) -> None:
        self.folder, self.workers, self.split = folder, workers, split
        self.port = free_port()
        self.address = f"http://127.0.0.1:{self.port}"
        self.cluster = PostgresCluster(folder / "db")
        self.database = ""
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("ab")
        command = [sys.executable, "-m", "tpgrade", *args]
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def _log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def start(self) -> str:
        """Start it all; the instructor's login link."""
        sandbox = ("--sandbox", "process")
        if not self.split:
            self.web = self._spawn(
                "serve",
                "serve",
                "--data",
                str(self.folder / "db"),
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                *sandbox,
            )
            self._wait_for("serve", "serving cpu queues")
            self.database = self.cluster.ensure_database("tpgrade")
            return self._log("serve").split("instructor: ", 1)[1].split()[0]
        self.cluster.start()
        self.database = self.cluster.ensure_database("tpgrade")
        init = [sys.executable, "-m", "tpgrade", "db", "init", "--database", self.database]
        subprocess.run(init, check=True, capture_output=True)
        self.worker = self._spawn(
            "worker", "worker", "--database", self.database, "--processes", str(self.workers), *sandbox
        )
        self._wait_for("worker", "serving cpu queues")
        self.start_web()
        made = subprocess.run(
            [
                sys.executable,
                "-m",
                "tpgrade",
                "instructor",
                "add",
                "prof@example.org",
                "--database",
                self.database,
                "--public-url",
                self.address,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return made.stdout.strip().splitlines()[-1]

    def start_web(self) -> None:
        self.starts += 1
        self.web = self._spawn(
            "serve", "serve", "--database", self.database, "--no-workers", "--port", str(self.port)
        )
        self._wait_for("serve", "tpgrade service on", count=self.starts)

    def kill_web(self) -> None:
        assert self.web is not None
        os.killpg(self.web.pid, signal.SIGKILL)
        self.web.wait()

    def _wait_for(self, name: str, line: str, count: int = 1) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self._log(name).count(line) >= count:
                try:
                    httpx2.get(self.address + "/", timeout=2)
                    return
                except httpx2.TransportError:
                    if name == "worker":
                        return
            time.sleep(0.2)
        raise SystemExit(f"{name} did not start:\n{self._log(name)}")

    def students(self, count: int) -> list[str]:
        roster = self.folder / "roster.csv"
        rows = ["student,email"] + [f"Étudiant {n:04d},e{n}@example.org" for n in range(count)]
        roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
        links = self.folder / "links.csv"
        where = ["--database", self.database] if self.split else ["--data", str(self.folder / "db")]
        command = [
            sys.executable,
            "-m",
            "tpgrade",
            "roster",
            "import",
            str(roster),
            *where,
            "--out",
            str(links),
        ]
        subprocess.run(command, check=True, capture_output=True)
        with links.open(encoding="utf-8") as stream:
            return [row["token"] for row in csv.DictReader(stream)]

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=300)
        if self.split and self.cluster.running():
            self.cluster.stop()


def hand_in(client: httpx2.Client, token: str, tag: str, patience: float = 120) -> tuple[str, float]:
    """Upload until a receipt comes (tried again only while none came: the web may be down)."""
    content = (REFERENCE + f"\n# {tag}\n").encode()
    started = time.monotonic()
    while True:
        try:
            response = client.post(
                "/api/v1/submissions",
                headers={"authorization": f"Bearer {token}"},
                data={"day": "day2"},
                files={"file": ("tp_day2.py", content)},
            )
            if response.status_code != 503:
                response.raise_for_status()
                return str(response.json()["id"]), time.monotonic() - started
        except httpx2.TransportError:
            pass
        if time.monotonic() - started > patience:
            raise SystemExit(f"no receipt for {tag} within {patience:.0f} s")
        time.sleep(0.5)


def feedback(client: httpx2.Client, token: str, ident: str, patience: float = PATIENCE_S) -> float:
    """Wait on the submission's event stream (as tpgrade submit does) until it is done; when."""
    deadline = time.monotonic() + patience
    headers = {"authorization": f"Bearer {token}", "accept": "text/event-stream"}
    while time.monotonic() < deadline:
        try:
            with client.stream("GET", f"/api/v1/submissions/{ident}/events", headers=headers) as response:
                if response.status_code == 200:
                    event = ""
                    for line in response.iter_lines():
                        if line.startswith("event: "):
                            event = line.removeprefix("event: ")
                        elif line.startswith("data: ") and event == "done":
                            found = json.loads(line.removeprefix("data: "))
                            if found["status"] != "graded":
                                raise SystemExit(f"submission {ident} ended {found['status']}: {found}")
                            return time.monotonic()
        except (httpx2.TransportError, httpx2.StreamError):
            pass  # the web is down or restarting: open the stream again
        time.sleep(0.5)
    raise SystemExit(f"submission {ident}: no feedback within {patience:.0f} s")


def idle(client: httpx2.Client, token: str, count: int) -> None:
    times = []
    for n in range(count):
        started = time.monotonic()
        ident, _ = hand_in(client, token, f"idle {n}")
        times.append(feedback(client, token, ident) - started)
    print(
        f"idle: upload to feedback, {count} hand-ins: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s"
    )


def burst(site: Deployment, tokens: list[str], window: float, instructor: str, kill_web: bool) -> None:
    accepted: list[float] = []
    receipts: list[str] = []
    done_at: list[float] = []
    dashboard: list[float] = []
    lock = threading.Lock()
    over = threading.Event()
    half = threading.Event()

    def watch() -> None:
        with httpx2.Client(base_url=site.address, timeout=30) as client:
            client.get(instructor.split(site.address, 1)[1])
            while not over.is_set():
                started = time.monotonic()
                try:
                    client.get("/instructor/days/day2").raise_for_status()
                    dashboard.append(time.monotonic() - started)
                except (httpx2.TransportError, httpx2.HTTPStatusError):
                    pass  # the web is being restarted
                time.sleep(1)

    def one(n: int) -> None:
        time.sleep(max(0.0, n * window / len(tokens) - (time.monotonic() - began)))
        with httpx2.Client(base_url=site.address, timeout=60) as client:
            ident, seconds = hand_in(client, tokens[n], f"burst {n}")
            with lock:
                accepted.append(seconds)
                receipts.append(ident)
                if len(receipts) == len(tokens) // 2:
                    half.set()
            when = feedback(client, tokens[n], ident)
        with lock:
            done_at.append(when)

    def killer() -> None:
        half.wait()
        site.kill_web()
        print(f"web process killed with SIGKILL after {len(receipts)} receipts", flush=True)
        time.sleep(2)
        site.start_web()
        print("web process started again", flush=True)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    chaos = threading.Thread(target=killer, daemon=True) if kill_web else None
    if chaos is not None:
        chaos.start()
    began = time.monotonic()
    last_upload = 0.0
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        waiting = [pool.submit(one, n) for n in range(len(tokens))]
        while len(accepted) < len(tokens) and not any(job.done() and job.exception() for job in waiting):
            time.sleep(0.05)
        last_upload = time.monotonic()
        print(
            f"burst: {len(tokens)} uploads over {last_upload - began:.0f} s; acceptance p50 "
            f"{percentile(accepted, 0.5) * 1000:.0f} ms, p99 {percentile(accepted, 0.99) * 1000:.0f} ms, "
            f"max {max(accepted) * 1000:.0f} ms",
            flush=True,
        )
        for job in waiting:
            job.result()
    over.set()
    watcher.join(timeout=30)
    print(f"burst: last feedback visible {max(done_at) - last_upload:.0f} s after the last upload")
    print(
        f"instructor's cohort page during the burst: p50 {percentile(dashboard, 0.5) * 1000:.0f} ms, "
        f"max {max(dashboard) * 1000:.0f} ms over {len(dashboard)} loads"
    )
    one_result_each(site.database, receipts)


def one_result_each(database: str, receipts: list[str]) -> None:
    """Every receipt a student holds is stored with exactly one result; no key graded twice."""
    with psycopg.connect(database, autocommit=True) as db:
        found = db.execute(
            b"SELECT w.id, count(r.status) FROM web_submissions w LEFT JOIN results r USING "
            b"(day, student, submission_hash, grader_version) WHERE w.id = ANY(%s) GROUP BY w.id",
            (receipts,),
        ).fetchall()
        twice = db.execute(
            b"SELECT count(*) FROM (SELECT 1 FROM results GROUP BY day, student, submission_hash, grader_version "
            b"HAVING count(*) > 1) d"
        ).fetchone()
        stored = db.execute(b"SELECT count(*) FROM web_submissions").fetchone()
    assert twice is not None and stored is not None
    lost = len(receipts) - len(found)
    without = sum(1 for _, count in found if count == 0)
    print(
        f"receipts held by students: {len(receipts)}, lost: {lost}, without a result: {without}, "
        f"keys with more than one result: {twice[0]} (uploads stored: {stored[0]})"
    )
    if lost or without or twice[0]:
        raise SystemExit("a receipt was lost, left ungraded or graded twice")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle", type=int, default=20)
    parser.add_argument("--kill-web", action="store_true", help="SIGKILL the web process mid-burst")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tpgrade-burst-") as scratch:
        folder = Path(scratch)
        folder.chmod(0o755)
        site = Deployment(folder, args.workers, split=args.kill_web)
        try:
            instructor = site.start()
            tokens = site.students(args.students + 1)
            if args.idle:
                with httpx2.Client(base_url=site.address, timeout=60) as client:
                    idle(client, tokens[-1], args.idle)
            burst(site, tokens[: args.students], args.window, instructor, args.kill_web)
        finally:
            site.stop()


if __name__ == "__main__":
    main()
