"""A scripted fake sandbox for the judge's side of the runner protocol.

Each "runner" is a thread that reads the judge's requests and writes the events
a script decides: a test passes the sandbox to :class:`RemoteStudent` (no patching)
and plays a runner that hangs, crashes, dies or lies, in milliseconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import typing
from collections.abc import Callable, Iterator

from tpgrade.judge.submission import Cell, Program
from tpgrade.sandbox import Limits, RunnerProcess, Sandbox

Script = Callable[[Iterator[dict[str, typing.Any]], Callable[[bytes], None]], None]


def line(**fields: object) -> bytes:
    """One protocol line, as the runner writes it (without its newline)."""
    return json.dumps(fields).encode()


class ScriptedRunner(RunnerProcess):
    """A "runner" whose answers are written by ``script(requests, write)`` in a thread."""

    def __init__(self, script: Script) -> None:
        self._in_read, self._in_write = os.pipe()
        self._out_read, self._out_write = os.pipe()
        self._ended = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(script,), daemon=True)
        self._thread.start()

    def _requests(self) -> Iterator[dict[str, typing.Any]]:
        with os.fdopen(os.dup(self._in_read), "rb") as stream:
            for raw in stream:
                yield json.loads(raw)

    def _write(self, data: bytes) -> None:
        if self._ended.is_set():
            raise BrokenPipeError
        view = memoryview(data)
        while view:
            view = view[os.write(self._out_write, view) :]

    def _run(self, script: typing.Any) -> None:
        try:
            script(self._requests(), self._write)
        except OSError:
            pass
        finally:
            self._ended.set()
            os.close(self._out_write)

    @property
    def stdin_fd(self) -> int:
        return self._in_write

    @property
    def stdout_fd(self) -> int:
        return self._out_read

    def descendants(self) -> int:
        return 0

    def stderr_text(self) -> str:
        return ""

    def kill(self) -> None:
        self._ended.set()
        for fd in (self._in_write, self._in_read, self._out_read):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._thread.join(timeout=0.1)  # a script asleep in a "hung cell" is left to finish alone

    def wait(self, timeout: float) -> int | None:
        self._ended.wait(timeout)
        return self.exit_code()

    def exit_code(self) -> int | None:
        return 0 if self._ended.is_set() else None


class ScriptedSandbox(Sandbox):
    """Every runner it starts follows the same script (a fake passed to the session)."""

    name = "scripted"
    isolated = True

    def __init__(self, script: typing.Any) -> None:
        self.script = script
        self.launches = 0

    def launch(self, limits: Limits, slot: int = 0) -> RunnerProcess:
        self.launches += 1
        return ScriptedRunner(self.script)


def ready(write: Callable[[bytes], None]) -> None:
    write(line(event="ready", id=0, pid=1) + b"\n")


def honest_load(request: dict[str, typing.Any], write: Callable[[bytes], None], names: list[str]) -> None:
    for cell in request["cells"]:
        write(line(event="cell_start", id=request["id"], index=cell["index"]) + b"\n")
        write(line(event="cell_done", id=request["id"], index=cell["index"]) + b"\n")
    write(line(event="loaded", id=request["id"], names=names) + b"\n")


def program(cells: int) -> Program:
    return Program(tuple(Cell(i, f"x{i} = {i}") for i in range(cells)))
