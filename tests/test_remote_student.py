"""The remote student's rules, on a scripted fake sandbox passed in (no runner, no patching).

A hanging cell is skipped and the cells after it still load; a crash during a
call costs that call only; a runner that died is started again for the next
call; a value kept in a runner that is gone is refused, not confused with a
value of the new runner.
"""

from __future__ import annotations

import time
import typing
from collections.abc import Callable, Iterator

import pytest
from scripted_sandbox import ScriptedSandbox, honest_load, line, ready

from tpgrade.judge.session import RemoteStudent
from tpgrade.judge.student import Student, StudentCrashed
from tpgrade.judge.submission import Cell, Program
from tpgrade.sandbox import Limits
from tpgrade.wire.codec import Ref

Requests = Iterator[dict[str, typing.Any]]
Write = Callable[[bytes], None]


def two_cells() -> Program:
    return Program((Cell(0, "def f():\n    return 1"), Cell(1, "def g():\n    return 2")))


def test_a_hanging_cell_is_skipped_and_the_cells_after_it_still_load() -> None:
    loads: list[list[int]] = []

    def script(requests: Requests, write: Write) -> None:
        ready(write)
        for request in requests:
            indexes = [cell["index"] for cell in request["cells"]]
            loads.append(indexes)
            if 0 in indexes:
                write(line(event="cell_start", id=request["id"], index=0) + b"\n")
                time.sleep(30)  # cell 0 never ends
            honest_load(request, write, ["g"])

    sandbox = ScriptedSandbox(script)
    remote = RemoteStudent(sandbox, two_cells(), Limits(), cell_timeout=0.3, load_budget=10.0)
    report = remote.start()
    assert [(issue.index, issue.kind) for issue in report.issues] == [(0, "timed_out")]
    assert loads == [[0, 1], [1]] and sandbox.launches == 2  # a fresh runner, without cell 0
    assert remote.defined() == frozenset({"g"})
    remote.close()


def calls(answer: Callable[[dict[str, typing.Any], Write, int], bool]) -> typing.Any:
    """A runner that loads honestly and lets ``answer`` reply to calls; it ends when ``answer``
    returns False. ``answer`` also gets the base of this runner's kept-value numbers."""

    def script(requests: Requests, write: Write) -> None:
        ready(write)
        base = 0
        for request in requests:
            if request["op"] == "load":
                base = request["ref_base"]
                honest_load(request, write, ["f", "g"])
            elif request["op"] in ("isolate", "end"):
                write(line(event="result", id=request["id"], value=None) + b"\n")
            elif not answer(request, write, base):
                return  # the runner dies

    return script


def started(
    answer: Callable[[dict[str, typing.Any], Write, int], bool],
) -> tuple[ScriptedSandbox, RemoteStudent, Student]:
    """The two-cell submission loaded on a runner following :func:`calls`, in question ``f``."""
    sandbox = ScriptedSandbox(calls(answer))
    remote = RemoteStudent(sandbox, two_cells(), Limits(), cell_timeout=5.0, load_budget=10.0)
    remote.start()
    remote.enter_question("f")
    return sandbox, remote, Student(remote, timeout=5.0)


def test_a_crash_during_a_call_costs_that_call_only() -> None:
    def answer(request: dict[str, typing.Any], write: Write, base: int) -> bool:
        if request["target"]["name"] == "f":
            write(
                line(event="crashed", id=request["id"], message="le processus s'est arrêté (signal 9)")
                + b"\n"
            )
        else:
            write(line(event="result", id=request["id"], value=2) + b"\n")
        return True

    sandbox, remote, student = started(answer)
    with pytest.raises(StudentCrashed, match="signal 9"):
        student.f()
    remote.enter_question("g")
    assert student.g() == 2
    assert sandbox.launches == 1  # the question's fork died, not the loaded runner
    remote.close()


def test_a_dead_runner_costs_its_call_and_the_next_call_gets_a_fresh_one() -> None:
    answered: list[str] = []

    def answer(request: dict[str, typing.Any], write: Write, base: int) -> bool:
        if not answered:
            answered.append("died")
            return False
        write(line(event="result", id=request["id"], value=3) + b"\n")
        return True

    sandbox, remote, student = started(answer)
    with pytest.raises(StudentCrashed):
        student.f()
    assert student.f() == 3
    assert sandbox.launches == 2
    remote.close()


def test_a_value_kept_in_a_runner_that_is_gone_is_refused() -> None:
    deaths: list[int] = []

    def answer(request: dict[str, typing.Any], write: Write, base: int) -> bool:
        if request["op"] == "keep":
            write(line(event="result", id=request["id"], value={"$ref": base + 1, "type": "list"}) + b"\n")
            return True
        if not deaths:
            deaths.append(1)
            return False  # dies on the first call
        write(line(event="result", id=request["id"], value=4) + b"\n")
        return True

    _, remote, student = started(answer)
    kept = student.keep([1, 2])
    assert isinstance(kept, Ref)
    with pytest.raises(StudentCrashed):
        student.f(kept)
    with pytest.raises(StudentCrashed, match="valeur perdue"):
        student.value(kept)  # the same number in the new runner would be another value
    assert student.f() == 4
    remote.close()
