"""Benchmark: what one submission's processes can take from the others (process sandbox).

Prints two figures:

- CPU: the grading time of the Day 2 reference alone, then while another
  submission's runner keeps 60 busy children running (each in its own
  session), and the ratio (target: within 1.5x);
- memory: six children of one runner each allocating 900 MB under a 1024 MB
  limit: the peak memory of the submission's cgroup and how many children
  held their allocation.

``--without-cgroups`` runs the same with the runners' cgroups turned off, to
see what they bring. Needs root (cgroups, warm runners). Run:

    python bench/isolation.py [--hogs 60] [--repeat 5] [--without-cgroups] [--cold]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from tpgrade import paths
from tpgrade.judge.engine import GradingConfig, grade_file, grader_version
from tpgrade.judge.session import RemoteStudent
from tpgrade.judge.student import Student
from tpgrade.judge.submission import Cell, Program
from tpgrade.sandbox import Limits, RunnerProcess, Sandbox, cgroups
from tpgrade.sandbox.process import BubblewrapSandbox

HOG = """
import subprocess, sys
BUSY = "while True: pass"
def start(count):
    global hogs
    hogs = [subprocess.Popen([sys.executable, "-c", BUSY], start_new_session=True) for _ in range(count)]
    return len(hogs)
"""
HOARD = r"""
import subprocess, sys, time
CHILD = (
    "import time\n"
    "block = bytearray({size} << 20)\n"
    "for i in range(0, len(block), 4096): block[i] = 1\n"
    "print('held', flush=True)\n"
    "time.sleep(60)\n"
)
def hoard(count):
    children = [subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE) for _ in range(count)]
    held = [child.stdout.readline() == b"held\n" for child in children]
    time.sleep(0.5)
    holding = sum(h and child.poll() is None for h, child in zip(held, children))
    for child in children:
        child.kill()
        child.wait()
    return holding
"""


class Recording(Sandbox):
    """Keeps the runner processes started, to read their cgroups."""

    def __init__(self, inner: Sandbox) -> None:
        self.inner, self.name, self.isolated = inner, inner.name, inner.isolated
        self.launched: list[RunnerProcess] = []

    def launch(self, limits: Limits, slot: int = 0) -> RunnerProcess:
        process = self.inner.launch(limits, slot)
        self.launched.append(process)
        return process

    def close(self) -> None:
        self.inner.close()


def runner(sandbox: Sandbox, source: str, limits: Limits, slot: int) -> tuple[Student, RemoteStudent]:
    remote = RemoteStudent(sandbox, Program(cells=(Cell(0, source),)), limits, 60.0, 120.0, slot)
    remote.start()
    return Student(remote, timeout=120.0), remote


def grade_reference(sandbox: Sandbox) -> tuple[float, str]:
    config = GradingConfig(
        day="day2",
        tests_dir=paths.graders_dir("day2"),
        sandbox=sandbox,
        grader_version=grader_version("day2"),
        seed=1234,
        slot=1,
    )
    started = time.monotonic()
    result = grade_file(paths.reference_file("day2"), config, student="honest")
    return time.monotonic() - started, f"{result.score:g}/{result.max_score:g}"


def median_grading(sandbox: Sandbox, repeat: int) -> tuple[float, str]:
    runs = [grade_reference(sandbox) for _ in range(repeat)]
    return statistics.median(t for t, _ in runs), ", ".join(sorted({score for _, score in runs}))


def cpu(sandbox: Sandbox, hogs: int, repeat: int) -> None:
    grade_reference(sandbox)  # warm up: the zygote, the disk cache
    alone, score = median_grading(sandbox, repeat)
    student, remote = runner(sandbox, HOG, Limits(), slot=2)
    try:
        student.call("start", hogs)
        time.sleep(1.0)
        beside, beside_score = median_grading(sandbox, repeat)
    finally:
        remote.close()
    print(f"honest grading alone (median of {repeat}):  {alone:6.2f} s ({score})")
    print(f"next to {hogs} busy children:         {beside:6.2f} s ({beside_score}), {beside / alone:.2f}x")


def memory(sandbox: Recording, size_mb: int, limit_mb: int) -> None:
    student, remote = runner(
        sandbox, HOARD.replace("{size}", str(size_mb)), Limits(memory_bytes=limit_mb << 20), 3
    )
    process = sandbox.launched[-1]
    cgroup: Any = getattr(process, "cgroup", None)
    try:
        holding: Any = student.call("hoard", 6)
        peak = None
        if cgroup is not None:
            path = cgroup.file("memory.max_usage_in_bytes") or cgroup.file("memory.peak")
            peak = int(path.read_text()) >> 20 if path is not None else None
    finally:
        remote.close()
    held = f"{holding}/6 children held their {size_mb} MB ({holding * size_mb} MB together)"
    where = f"peak of the submission's cgroup {peak} MiB" if peak is not None else "no cgroup to measure"
    print(f"memory under --memory-mb {limit_mb}:  {held}; {where}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hogs", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5, help="gradings per figure (their median)")
    parser.add_argument("--without-cgroups", action="store_true")
    parser.add_argument("--cold", action="store_true", help="cold runners (one bubblewrap each)")
    options = parser.parse_args()
    if options.without_cgroups:
        cgroups.Cgroups.here = classmethod(lambda cls: (None, "turned off"))  # type: ignore[method-assign,assignment]
    sandbox = Recording(BubblewrapSandbox([paths.course_root()], warm=not options.cold))
    print(f"sandbox: {sandbox.inner.describe()}")
    try:
        cpu(sandbox, options.hogs, options.repeat)
        memory(sandbox, 900, 1024)
    finally:
        sandbox.close()


if __name__ == "__main__":
    main()
