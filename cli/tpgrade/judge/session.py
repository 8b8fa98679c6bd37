"""The judge's side of the runner protocol: a :class:`StudentClient` over a sandbox.

The session starts a runner, sends it the submission's cells and watches
each one with a wall-clock limit. A cell that overruns or ends the process
(``os._exit``, a crash) is recorded, and the runner is started again
without it, so the cells after it still run. Calls get the same treatment:
a call that overruns or kills the runner fails that call only, and the next
call finds a fresh runner.

The runner's channel is hostile (student code can write on it), so:

- every budget is the judge's own clock: per cell, per call, for the whole
  load and for the whole submission; no event extends one;
- every request carries an id; an event for another request, of a kind the
  request cannot produce, or for a cell other than the one running, is a
  protocol violation: it costs the current cell or question, and the runner
  is started again so that nothing stale reaches the next one;
- a line is read only up to its cap (:mod:`tpgrade.wire.messages`), decoded
  under the caps of items and digits, then validated; the judge holds at most
  one line of one runner at a time, so its memory per submission is bounded
  by a few times ``MAX_ANSWER_LINE_BYTES`` (measured in ``bench/hostile_channel.py``);
- what a load reports is capped before it is kept (issues per submission,
  names, message lengths).
"""

from __future__ import annotations

import os
import secrets
import selectors
import time
from collections.abc import Iterator
from typing import Any, Literal

from tpgrade import messages as msg
from tpgrade.errors import SandboxUnavailable
from tpgrade.judge.sourcecheck import SubmissionSource
from tpgrade.judge.student import (
    ForbiddenCode,
    InvalidOutput,
    NotImplementedByStudent,
    StudentCrashed,
    StudentRaised,
    StudentTimedOut,
    Target,
)
from tpgrade.judge.submission import Program
from tpgrade.models import CellIssue, LoadReport
from tpgrade.sandbox import Limits, RunnerProcess, Sandbox
from tpgrade.wire import codec
from tpgrade.wire.codec import Ref
from tpgrade.wire.messages import (
    MAX_ANSWER_LINE_BYTES,
    MAX_LOAD_LINE_BYTES,
    Call,
    CellDone,
    CellSource,
    CellStart,
    Crashed,
    End,
    ErrorInfo,
    Event,
    Get,
    Invalid,
    Isolate,
    Keep,
    Load,
    Loaded,
    Raised,
    Ready,
    Request,
    Result,
    TargetSpec,
    WireError,
    encode_request,
    parse_event,
)

STARTUP_TIMEOUT = 60.0
CONTROL_TIMEOUT = 60.0  # isolate, end, keep, and the gap between two cells
# An idle fork answers ``end`` at once; one still busy in student code after its answer
# (a forged early answer, a thread) would hold the worker: it costs a fresh runner instead.
END_TIMEOUT = 5.0
SUBMISSION_BUDGET = 1200.0  # the whole grading of one submission, load included
REF_GENERATION = 10**9
MAX_LOAD_ISSUES = 100  # cells reported one by one; the others are counted
ANSWERS: tuple[type[Event], ...] = (Result, Raised, Invalid, Crashed)
GoneKind = Literal["timed_out", "exited", "protocol"]


class RunnerGone(Exception):
    """The runner ended, overran its time, or broke the protocol."""

    def __init__(self, kind: GoneKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def request_ids() -> Iterator[int]:
    """Ids for requests that student code cannot guess: it sees the request it serves, so with
    ids in sequence it could answer the next requests (another question's) in advance."""
    while True:
        yield secrets.randbits(62) + 1  # positive, and fits the runner's signed 64-bit fork state


class Channel:
    """Requests to, and events from, one runner process, with deadlines and size caps."""

    def __init__(self, process: RunnerProcess, ids: Iterator[int]) -> None:
        self.process = process
        self.baseline = 0
        self._ids = ids
        self._buffer = bytearray()
        self._scanned = 0  # bytes of the buffer known to hold no newline
        self._selector = selectors.DefaultSelector()
        os.set_blocking(process.stdout_fd, False)
        self._selector.register(process.stdout_fd, selectors.EVENT_READ)

    def next_id(self) -> int:
        return next(self._ids)

    def send(self, request: Request) -> None:
        data = memoryview(encode_request(request))
        try:
            while data:
                written = os.write(self.process.stdin_fd, data)
                data = data[written:]
        except (BrokenPipeError, OSError):
            raise RunnerGone("exited", self.process.exit_description()) from None

    def receive(
        self, deadline: float, request_id: int, accepted: tuple[type[Event], ...], max_bytes: int
    ) -> Event:
        """The next event, which must answer ``request_id`` with one of the ``accepted`` kinds."""
        while (newline := self._buffer.find(b"\n", self._scanned)) < 0:
            self._scanned = len(self._buffer)
            if len(self._buffer) > max_bytes:
                self._buffer = bytearray()
                raise RunnerGone("protocol", msg.REPLY_TOO_LARGE(megabytes=max_bytes >> 20))
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                raise RunnerGone("timed_out", msg.REPLY_TIMED_OUT())
            chunk = os.read(self.process.stdout_fd, min(1 << 20, max_bytes + 2 - len(self._buffer)))
            if not chunk:
                self.process.wait(5)
                raise RunnerGone("exited", self.process.exit_description())
            self._buffer.extend(chunk)
        line = bytes(self._buffer[:newline])
        del self._buffer[: newline + 1]
        self._scanned = 0
        if not self._buffer:
            self._buffer = bytearray()  # give back the memory of a large line
        if len(line) > max_bytes:
            raise RunnerGone("protocol", msg.REPLY_TOO_LARGE(megabytes=max_bytes >> 20))
        try:
            return parse_event(line, request_id, accepted)
        except WireError as exc:
            raise RunnerGone("protocol", msg.REPLY_MALFORMED(detail=exc)) from None

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
        submission_budget: float = SUBMISSION_BUDGET,
    ) -> None:
        self.sandbox = sandbox
        self.program = program
        self.limits = limits
        self.cell_timeout = cell_timeout
        self.load_budget = load_budget
        self.submission_budget = submission_budget
        self.slot = slot
        runnable = [c for c in program.cells if c.index not in program.skipped_cells]
        self.source = SubmissionSource(tuple(c.source for c in runnable))
        self._runnable = runnable
        self._skip: set[int] = set()
        self._issues: dict[int, CellIssue] = {}
        self._names: frozenset[str] = frozenset()
        self._channel: Channel | None = None
        self._ids = request_ids()
        self._generation = 0
        self._question: tuple[str, bool] | None = None  # the question whose fork serves calls now
        self._isolated = False
        self._deadline = time.monotonic() + submission_budget

    # -- life cycle -------------------------------------------------------
    def start(self) -> LoadReport:
        """Load the submission, restarting past cells that hang or end the process."""
        self._deadline = time.monotonic() + self.submission_budget
        self._load(min(time.monotonic() + self.load_budget, self._deadline))
        return LoadReport(
            cells=len(self.program.cells), issues=self._reported_issues(), defined=sorted(self._names)[:500]
        )

    def _load(self, deadline: float) -> None:
        """Load until it succeeds; past ``deadline`` every cell not run yet is skipped."""
        while not self._load_once(deadline):
            if time.monotonic() >= deadline:
                for cell in self._runnable:
                    if cell.index not in self._skip and cell.index not in self._issues:
                        self._issues[cell.index] = CellIssue(
                            index=cell.index,
                            kind="timed_out",
                            message=msg.CELL_NOT_RUN(),
                        )
                self._skip.update(c.index for c in self._runnable)
                deadline = time.monotonic() + STARTUP_TIMEOUT  # a load of no cell: no student code

    def _reported_issues(self) -> list[CellIssue]:
        issues = [
            CellIssue(index=i, kind="skipped_shell", message=msg.IPYTHON_LINE(detail=line[:120]))
            for i, line in self.program.shell_lines
        ]
        issues += sorted(self._issues.values(), key=lambda issue: issue.index)
        if len(issues) <= MAX_LOAD_ISSUES:
            return issues
        kept = issues[: MAX_LOAD_ISSUES - 1]
        rest = issues[MAX_LOAD_ISSUES - 1 :]
        summary = CellIssue(
            index=rest[0].index,
            kind=rest[0].kind,
            message=msg.MORE_CELL_ISSUES(count=len(rest)),
        )
        return [*kept, summary]

    def _launch(self) -> Channel:
        self._generation += 1
        process = self.sandbox.launch(self.limits, self.slot)
        channel = Channel(process, self._ids)
        try:
            channel.receive(time.monotonic() + STARTUP_TIMEOUT, 0, (Ready,), MAX_LOAD_LINE_BYTES)
        except RunnerGone as gone:
            channel.close()
            raise SandboxUnavailable(
                f"the runner did not start in the {self.sandbox.name} sandbox ({gone.message}): "
                f"{process.stderr_text()[-300:]}"
            ) from None
        channel.baseline = process.descendants()
        return channel

    def _load_once(self, load_deadline: float) -> bool:
        """One load of the cells not skipped; False if a cell had to be skipped (then load again).

        What goes wrong is blamed on the last cell that started: between two
        cells only the runner's own code runs, so an overrun, an exit or a
        forged message there comes from a cell that already ran.
        """
        channel = self._launch()
        cells = [c for c in self._runnable if c.index not in self._skip]
        current: int | None = cells[0].index if cells else None
        try:
            request = Load(
                id=channel.next_id(),
                cells=[CellSource(index=c.index, source=c.source) for c in cells],
                ref_base=self._generation * REF_GENERATION,
            )
            channel.send(request)
            for cell in cells:
                deadline = min(time.monotonic() + CONTROL_TIMEOUT, load_deadline)
                started = channel.receive(deadline, request.id, (CellStart,), MAX_LOAD_LINE_BYTES)
                _expect_cell(started, cell.index)
                current = cell.index
                deadline = min(time.monotonic() + self.cell_timeout, load_deadline)
                done = channel.receive(deadline, request.id, (CellDone,), MAX_LOAD_LINE_BYTES)
                _expect_cell(done, cell.index)
                assert isinstance(done, CellDone)
                if done.error is not None and cell.index not in self._issues:
                    self._issues[cell.index] = CellIssue(
                        index=cell.index, kind="error", message=_describe_error(done.error)
                    )
            deadline = min(time.monotonic() + CONTROL_TIMEOUT, load_deadline)
            loaded = channel.receive(deadline, request.id, (Loaded,), MAX_LOAD_LINE_BYTES)
            assert isinstance(loaded, Loaded)
        except RunnerGone as gone:
            channel.close()
            if current is None:  # no cell to run: the runner itself is broken
                raise SandboxUnavailable(
                    f"the runner failed in the {self.sandbox.name} sandbox before any cell ran: "
                    f"{gone.message}; {channel.process.stderr_text()[-300:]}"
                ) from None
            self._blame(current, gone, load_deadline)
            return False
        self._names = frozenset(loaded.names)
        self._channel = channel
        return True

    def _blame(self, index: int, gone: RunnerGone, load_deadline: float) -> None:
        """Record why cell ``index`` stopped the load, and skip it from now on."""
        if gone.kind == "timed_out":
            budget_over = time.monotonic() >= load_deadline
            message = (
                msg.LOAD_BUDGET_IN_CELL() if budget_over else msg.CELL_TIMED_OUT(seconds=self.cell_timeout)
            )
            issue = CellIssue(index=index, kind="timed_out", message=message)
        elif gone.kind == "protocol":
            message = msg.CELL_SKIPPED(detail=gone.message)
            issue = CellIssue(index=index, kind="error", message=message[:500])
        else:
            issue = CellIssue(index=index, kind="process_exited", message=gone.message[:500])
        self._issues[index] = issue
        self._skip.add(index)

    def close(self) -> None:
        self._isolated = False
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    # -- isolation of questions -------------------------------------------------
    def enter_question(self, question: str, numpy_only: bool = False) -> None:
        """Calls for another question get a fresh fork of the loaded submission.

        What a question's calls change in the student's process (globals,
        patched modules, leftover threads) is gone for the next question. In a
        ``numpy_only`` question's fork, PyTorch is unusable.
        """
        if (question, numpy_only) != self._question:
            self._end_isolation()
            self._question = (question, numpy_only)

    def _end_isolation(self) -> None:
        channel = self._channel
        if not self._isolated or channel is None:
            return
        self._isolated = False
        try:
            request = End(id=channel.next_id())
            channel.send(request)
            deadline = min(time.monotonic() + END_TIMEOUT, self._deadline)
            channel.receive(deadline, request.id, (Result,), MAX_LOAD_LINE_BYTES)
        except RunnerGone:
            self.close()
            return
        if channel.process.descendants() > channel.baseline:
            self.close()  # processes started by the question live on: the next one gets a fresh runner

    def _control_deadline(self) -> float:
        return min(time.monotonic() + CONTROL_TIMEOUT, self._deadline)

    def _isolated_channel(self) -> Channel:
        channel = self._alive()
        if self._isolated or self._question is None:
            return channel
        try:
            request = Isolate(id=channel.next_id(), numpy_only=self._question[1])
            channel.send(request)
            channel.receive(self._control_deadline(), request.id, (Result,), MAX_LOAD_LINE_BYTES)
        except RunnerGone as gone:
            self.close()
            if gone.kind == "timed_out" and time.monotonic() >= self._deadline:
                raise self._budget_spent() from None
            raise StudentCrashed(msg.RUNNER_SILENT(detail=gone.message)) from None
        self._isolated = True
        return channel

    # -- StudentClient ------------------------------------------------------
    def defined(self) -> frozenset[str]:
        return self._names

    def invoke(
        self,
        target: Target,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        timeout: float,
        fresh: bool = False,
    ) -> Any:
        if fresh:
            self._end_isolation()
        channel = self._isolated_channel()
        request = Call(
            id=channel.next_id(),
            target=self._target(target),
            args=codec.encode(list(args)),
            kwargs=codec.encode(kwargs),
        )
        return self._exchange(channel, request, timeout, _what(target))

    def fetch(self, target: Target, timeout: float) -> Any:
        channel = self._isolated_channel()
        request = Get(id=channel.next_id(), target=self._target(target))
        return self._exchange(channel, request, timeout, _what(target))

    def keep(self, value: Any) -> Ref:
        channel = self._isolated_channel()
        request = Keep(id=channel.next_id(), value=codec.encode(value))
        ref = self._exchange(channel, request, CONTROL_TIMEOUT, "keep")
        if not isinstance(ref, Ref):
            self.close()
            raise StudentCrashed(msg.UNEXPECTED_REPLY())
        return ref

    def _alive(self) -> Channel:
        if self._channel is None:
            if time.monotonic() >= self._deadline:
                raise self._budget_spent()
            self._load(min(time.monotonic() + self.load_budget, self._deadline))
        assert self._channel is not None
        return self._channel

    def _budget_spent(self) -> StudentTimedOut:
        return StudentTimedOut(msg.SUBMISSION_BUDGET(seconds=self.submission_budget))

    def _target(self, target: Target) -> TargetSpec:
        if target.probe is not None:
            return TargetSpec(probe=target.probe.source, probe_name=target.probe.name)
        if target.ref is not None:
            if target.ref.id // REF_GENERATION != self._generation:
                raise StudentCrashed(msg.VALUE_LOST())
            return TargetSpec(ref=target.ref.id, attrs=list(target.attrs))
        return TargetSpec(name=target.name, attrs=list(target.attrs))

    def _exchange(self, channel: Channel, request: Request, timeout: float, what: str) -> Any:
        now = time.monotonic()
        if now >= self._deadline:
            self.close()
            raise self._budget_spent()
        try:
            channel.send(request)
            event = channel.receive(
                min(now + timeout, self._deadline), request.id, ANSWERS, MAX_ANSWER_LINE_BYTES
            )
        except RunnerGone as gone:
            self.close()
            if gone.kind == "timed_out":
                if time.monotonic() >= self._deadline:
                    raise self._budget_spent() from None
                raise StudentTimedOut(msg.CALL_TIMED_OUT(what=what, seconds=timeout)) from None
            if gone.kind == "protocol":
                raise InvalidOutput(msg.PROTOCOL_BROKEN(what=what, detail=gone.message)) from None
            raise StudentCrashed(msg.CALL_ENDED(what=what, detail=gone.message)) from None
        if isinstance(event, Crashed):
            self._isolated = False  # the question's fork is gone; the loaded runner answers again
            raise StudentCrashed(msg.CALL_ENDED(what=what, detail=event.message))
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
                self.close()  # the runner encodes what it sends: this answer was forged
                raise InvalidOutput(msg.UNUSABLE_ANSWER(what=what, detail=exc)) from None
        assert isinstance(event, Raised | Invalid)
        if isinstance(event, Invalid):
            raise InvalidOutput(msg.UNUSABLE_ANSWER(what=what, detail=event.message))
        if event.error.type == "TorchForbidden" and self._question is not None and self._question[1]:
            reason = event.error.message.strip().rpartition("TorchForbidden: ")[2]  # without the module path
            raise ForbiddenCode(msg.TORCH_FORBIDDEN(what=what, detail=reason[:300]))
        if event.error.type == "NotImplementedError":
            raise NotImplementedByStudent(what)
        raise StudentRaised(msg.STUDENT_RAISED(what=what, error=_describe_error(event.error)))


def _expect_cell(event: Event, index: int) -> None:
    if not isinstance(event, CellStart | CellDone) or event.index != index:
        raise RunnerGone("protocol", msg.REPLY_MALFORMED(detail="cellule inattendue"))


def _what(target: Target) -> str:
    return target.name or (target.probe.name if target.probe else ".".join(target.attrs))


def _describe_error(error: ErrorInfo) -> str:
    text = error.message.strip().splitlines()[-1] if error.message.strip() else error.type
    where = error.traceback.strip().splitlines()[-2:-1]
    location = f" ({where[0].strip()})" if where else ""
    return f"{text[:300]}{location}"


def _judge_tensor(array: Any) -> Any:
    import torch

    return torch.from_numpy(array)
