"""The judge's side of the runner protocol: a :class:`StudentClient` over a sandbox.

The session starts a runner, sends it the submission's cells and watches
each one with a wall-clock limit. A cell that overruns or ends the process
(``os._exit``, a crash) is recorded, and the runner is started again
without it, so the cells after it still run. Calls get the same treatment:
a call that overruns or kills the runner fails that call only, and the next
call finds a fresh runner. Everything read from the runner is validated
(pydantic, then the plain-data codec) before use.
"""

from __future__ import annotations

import json
import os
import selectors
import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from tpgrade.errors import SandboxUnavailable
from tpgrade.models import CellIssue, LoadReport
from tpgrade.sandbox import Limits, RunnerProcess, Sandbox
from tpgrade.sourcecheck import SubmissionSource
from tpgrade.student import (
    InvalidOutput,
    NotImplementedByStudent,
    StudentCrashed,
    StudentRaised,
    StudentTimedOut,
    Target,
)
from tpgrade.submission import Program
from tpgrade.wire import codec
from tpgrade.wire.codec import Ref

MAX_MESSAGE_BYTES = 300 << 20
STARTUP_TIMEOUT = 60.0
REF_GENERATION = 10**9


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ErrorInfo(_Message):
    type: str = Field(max_length=200)
    message: str = Field(max_length=5000)
    traceback: str = Field(default="", max_length=10000)


class Ready(_Message):
    event: Literal["ready"]


class CellStart(_Message):
    event: Literal["cell_start"]
    index: int


class CellDone(_Message):
    event: Literal["cell_done"]
    index: int
    error: ErrorInfo | None = None


class Loaded(_Message):
    event: Literal["loaded"]
    names: list[Annotated[str, Field(max_length=200)]] = Field(max_length=100_000)


class Result(_Message):
    event: Literal["result"]
    value: Any = None


class Raised(_Message):
    event: Literal["raised"]
    error: ErrorInfo


class Invalid(_Message):
    event: Literal["invalid"]
    message: str = Field(max_length=1000)


class Crashed(_Message):
    """A question's process ended during a call (the runner itself lives on)."""

    event: Literal["crashed"]
    message: str = Field(max_length=1000)


Event = Annotated[
    Ready | CellStart | CellDone | Loaded | Result | Raised | Invalid | Crashed, Field(discriminator="event")
]
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


class RunnerGone(Exception):
    """The runner ended, overran its time, or broke the protocol."""

    def __init__(self, kind: Literal["timed_out", "exited", "protocol"], message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Channel:
    """JSON lines to and from one runner process, with deadlines and a size cap."""

    def __init__(self, process: RunnerProcess) -> None:
        self.process = process
        self.baseline = 0
        self._buffer = bytearray()
        self._selector = selectors.DefaultSelector()
        os.set_blocking(process.stdout_fd, False)
        self._selector.register(process.stdout_fd, selectors.EVENT_READ)

    def send(self, message: dict[str, Any]) -> None:
        data = memoryview((json.dumps(message) + "\n").encode())
        try:
            while data:
                written = os.write(self.process.stdin_fd, data)
                data = data[written:]
        except (BrokenPipeError, OSError):
            raise RunnerGone("exited", self.process.exit_description()) from None

    def receive(self, deadline: float) -> Event:
        while (newline := self._buffer.find(b"\n")) < 0:
            if len(self._buffer) > MAX_MESSAGE_BYTES:
                raise RunnerGone("protocol", "réponse trop volumineuse")
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                raise RunnerGone("timed_out", "temps limite dépassé")
            chunk = os.read(self.process.stdout_fd, 1 << 20)
            if not chunk:
                self.process.wait(5)
                raise RunnerGone("exited", self.process.exit_description())
            self._buffer.extend(chunk)
        line = bytes(self._buffer[:newline])
        del self._buffer[: newline + 1]
        try:
            event: Event = _EVENT.validate_json(line)
        except ValidationError:
            raise RunnerGone("protocol", "réponse du processus élève mal formée") from None
        return event

    def close(self) -> None:
        self._selector.close()
        self.process.kill()


class RemoteStudent:
    """A submission running in a sandboxed runner, seen through the protocol."""

    def __init__(
        self,
        sandbox: Sandbox,
        program: Program,
        limits: Limits,
        cell_timeout: float,
        load_budget: float,
        slot: int = 0,
    ) -> None:
        self.sandbox = sandbox
        self.program = program
        self.limits = limits
        self.cell_timeout = cell_timeout
        self.load_budget = load_budget
        self.slot = slot
        runnable = [c for c in program.cells if c.index not in program.skipped_cells]
        self.source = SubmissionSource(tuple(c.source for c in runnable))
        self._runnable = runnable
        self._skip: set[int] = set()
        self._issues: dict[int, CellIssue] = {}
        self._names: frozenset[str] = frozenset()
        self._channel: Channel | None = None
        self._generation = 0
        self._question: str | None = None  # the question whose isolated process serves calls now
        self._isolated = False

    # -- life cycle -------------------------------------------------------
    def start(self) -> LoadReport:
        """Load the submission, restarting past cells that hang or end the process."""
        started = time.monotonic()
        while not self._load_once():
            if time.monotonic() - started > self.load_budget:
                for cell in self._runnable:
                    if cell.index not in self._skip and cell.index not in self._issues:
                        self._issues[cell.index] = CellIssue(
                            index=cell.index,
                            kind="timed_out",
                            message="non exécutée : temps total de chargement dépassé",
                        )
                self._skip.update(c.index for c in self._runnable)
        issues = [
            CellIssue(index=i, kind="skipped_shell", message=f"ligne IPython ignorée : {line[:120]}")
            for i, line in self.program.shell_lines
        ]
        issues += sorted(self._issues.values(), key=lambda issue: issue.index)
        return LoadReport(cells=len(self.program.cells), issues=issues, defined=sorted(self._names))

    def _launch(self) -> Channel:
        self._generation += 1
        process = self.sandbox.launch(self.limits, self.slot)
        channel = Channel(process)
        try:
            ready = channel.receive(time.monotonic() + STARTUP_TIMEOUT)
        except RunnerGone as gone:
            channel.close()
            raise SandboxUnavailable(
                f"the runner did not start in the {self.sandbox.name} sandbox ({gone.message}): "
                f"{process.stderr_text()[-300:]}"
            ) from None
        if not isinstance(ready, Ready):
            channel.close()
            raise SandboxUnavailable("the runner did not start (unexpected first message)")
        channel.baseline = process.descendants()
        return channel

    def _load_once(self) -> bool:
        channel = self._launch()
        cells = [{"index": c.index, "source": c.source} for c in self._runnable if c.index not in self._skip]
        current: int | None = None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        try:
            channel.send({"op": "load", "cells": cells, "ref_base": self._generation * REF_GENERATION})
            while True:
                event = channel.receive(deadline)
                if isinstance(event, CellStart):
                    current, deadline = event.index, time.monotonic() + self.cell_timeout
                elif isinstance(event, CellDone):
                    if event.error is not None and event.index not in self._issues:
                        self._issues[event.index] = CellIssue(
                            index=event.index, kind="error", message=_describe_error(event.error)
                        )
                    current, deadline = None, time.monotonic() + STARTUP_TIMEOUT
                elif isinstance(event, Loaded):
                    self._names = frozenset(event.names)
                    self._channel = channel
                    return True
        except RunnerGone as gone:
            channel.close()
            if current is None:
                current = next((c.index for c in self._runnable if c.index not in self._skip), -1)
            kind: Literal["timed_out", "process_exited"] = (
                "timed_out" if gone.kind == "timed_out" else "process_exited"
            )
            message = (
                f"temps limite de {self.cell_timeout:g} s dépassé" if kind == "timed_out" else gone.message
            )
            self._issues[current] = CellIssue(index=current, kind=kind, message=message)
            self._skip.add(current)
            return False

    def close(self) -> None:
        self._isolated = False
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    # -- isolation of questions -------------------------------------------------
    def enter_question(self, question: str) -> None:
        """Calls for another question get a fresh fork of the loaded submission.

        What a question's calls change in the student's process (globals,
        patched modules, leftover threads) is gone for the next question.
        """
        if question != self._question:
            self._end_isolation()
            self._question = question

    def _end_isolation(self) -> None:
        channel = self._channel
        if not self._isolated or channel is None:
            return
        self._isolated = False
        try:
            channel.send({"op": "end"})
            event = channel.receive(time.monotonic() + STARTUP_TIMEOUT)
        except RunnerGone:
            self.close()
            return
        if not isinstance(event, Result) or channel.process.descendants() > channel.baseline:
            self.close()  # processes started by the question live on: the next one gets a fresh runner

    def _isolated_channel(self) -> Channel:
        channel = self._alive()
        if self._isolated or self._question is None:
            return channel
        try:
            channel.send({"op": "isolate"})
            event = channel.receive(time.monotonic() + STARTUP_TIMEOUT)
        except RunnerGone as gone:
            self.close()
            raise StudentCrashed(f"le processus élève ne répond plus ({gone.message})") from None
        if not isinstance(event, Result):
            self.close()
            raise StudentCrashed("le processus élève a renvoyé une réponse inattendue")
        self._isolated = True
        return channel

    # -- StudentClient ------------------------------------------------------
    def defined(self) -> frozenset[str]:
        return self._names

    def invoke(self, target: Target, args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float) -> Any:
        return self._request(
            "call", target, timeout, args=codec.encode(list(args)), kwargs=codec.encode(kwargs)
        )

    def fetch(self, target: Target, timeout: float) -> Any:
        return self._request("get", target, timeout)

    def keep(self, value: Any) -> Ref:
        channel = self._isolated_channel()
        ref = self._exchange(channel, {"op": "keep", "value": codec.encode(value)}, 60.0, "keep")
        if not isinstance(ref, Ref):
            raise StudentCrashed("le processus élève a renvoyé une réponse inattendue")
        return ref

    def _alive(self) -> Channel:
        if self._channel is None:
            while not self._load_once():
                pass
        assert self._channel is not None
        return self._channel

    def _target(self, target: Target) -> dict[str, Any]:
        if target.probe is not None:
            return {"probe": target.probe.source, "probe_name": target.probe.name}
        if target.ref is not None:
            if target.ref.id // REF_GENERATION != self._generation:
                raise StudentCrashed("valeur perdue : le processus élève a été relancé entre-temps")
            return {"ref": target.ref.id, "attrs": list(target.attrs)}
        return {"name": target.name, "attrs": list(target.attrs)}

    def _request(self, op: str, target: Target, timeout: float, **extra: Any) -> Any:
        channel = self._isolated_channel()
        message = {"op": op, "target": self._target(target), **extra}
        what = target.name or (target.probe.name if target.probe else ".".join(target.attrs))
        return self._exchange(channel, message, timeout, what)

    def _exchange(self, channel: Channel, message: dict[str, Any], timeout: float, what: str) -> Any:
        try:
            channel.send(message)
            event = channel.receive(time.monotonic() + timeout)
        except RunnerGone as gone:
            self.close()
            if gone.kind == "timed_out":
                raise StudentTimedOut(f"{what} : temps limite de {timeout:g} s dépassé") from None
            raise StudentCrashed(f"{what} : {gone.message}") from None
        if isinstance(event, Crashed):
            self._isolated = False  # the question's fork is gone; the loaded runner answers again
            raise StudentCrashed(f"{what} : {event.message}")
        if (
            not isinstance(event, Result)
            and channel.process.descendants() > channel.baseline + self._isolated
        ):
            # The failed call left processes behind (a fork bomb, a daemon): they would
            # steal time from the next calls, so the next call gets a fresh runner.
            self.close()
        if isinstance(event, Result):
            try:
                return codec.decode(event.value, None, _judge_tensor)
            except codec.CodecError as exc:
                raise InvalidOutput(f"{what} : valeur renvoyée inutilisable ({exc})") from None
        if isinstance(event, Raised):
            if event.error.type == "NotImplementedError":
                raise NotImplementedByStudent(what)
            raise StudentRaised(f"{what} : votre code a levé {_describe_error(event.error)}")
        if isinstance(event, Invalid):
            raise InvalidOutput(f"{what} : valeur renvoyée inutilisable ({event.message})")
        self.close()
        raise StudentCrashed(f"{what} : réponse inattendue du processus élève")


def _describe_error(error: ErrorInfo) -> str:
    text = error.message.strip().splitlines()[-1] if error.message.strip() else error.type
    where = error.traceback.strip().splitlines()[-2:-1]
    location = f" ({where[0].strip()})" if where else ""
    return f"{text[:300]}{location}"


def _judge_tensor(array: Any) -> Any:
    import torch

    return torch.from_numpy(array)
