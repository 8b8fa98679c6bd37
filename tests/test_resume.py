"""SIGKILL in the middle of ``tpgrade grade``, then again: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tpgrade.cohort.sqlite_store import SqliteStore

COUNT = 12


def grade_command(folder: Path, store: Path) -> list[str]:
    return [sys.executable, "-m", "tpgrade", "grade", "day2", str(folder), "--store", str(store)]


def stored(store: Path) -> int:
    try:
        with sqlite3.connect(store) as db:
            return int(db.execute("SELECT COUNT(*) FROM results").fetchone()[0])
    except sqlite3.Error:
        return 0


def descendants(pid: int) -> set[int]:
    found, pending = set(), [pid]
    while pending:
        current = pending.pop()
        for task in os.listdir(f"/proc/{current}/task") if os.path.isdir(f"/proc/{current}") else []:
            try:
                children = [int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
            except OSError:
                continue
            found.update(children)
            pending.extend(children)
    return found


def alive(pids: set[int]) -> set[int]:
    """Those still running (zombies waiting for a reaper count as gone)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            running.add(pid)
    return running


@pytest.mark.slow
def test_killed_run_resumes_without_loss_or_duplicates(tmp_path: Path, reference_source: str) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    for index in range(COUNT):
        (folder / f"student{index:02d}.py").write_text(f"# copy {index}\n{reference_source}")
    store = tmp_path / "killed.sqlite"
    process = subprocess.Popen(
        grade_command(folder, store), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while stored(store) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    started = descendants(process.pid)  # workers, their sandboxes and runners
    assert started
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert 3 <= stored(store) < COUNT
    deadline = time.monotonic() + 30
    while alive(started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(started), "processes of the killed run live on"

    resumed = subprocess.run(grade_command(folder, store), capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    clean = tmp_path / "clean.sqlite"
    subprocess.run(grade_command(folder, clean), capture_output=True, check=True)

    killed_results = {r.student: r for r in SqliteStore(store).latest("day2")}
    clean_results = {r.student: r for r in SqliteStore(clean).latest("day2")}
    assert stored(store) == COUNT
    assert sorted(killed_results) == sorted(clean_results) == [f"student{i:02d}" for i in range(COUNT)]
    for student, result in clean_results.items():
        assert killed_results[student].questions == result.questions
