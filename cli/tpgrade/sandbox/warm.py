"""The judge's side of the warm start: one zygote per slot, one forked runner per submission.

See :mod:`tpgrade.runner.zygote` for what happens inside the sandbox. Here a
:class:`Zygote` starts the sandboxed zygote once and asks it for runners; a
:class:`ForkedRunner` is one of them, speaking the runner protocol on pipes
made by the judge and handed over with the request.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

from tpgrade.errors import SandboxUnavailable
from tpgrade.sandbox.base import CappedBuffer, RunnerProcess
from tpgrade.sandbox.cgroups import Cgroups, RunnerCgroup
from tpgrade.wire.limits import Limits

START_TIMEOUT = 120.0  # importing torch on a cold disk can take long
ZYGOTE_BOOT = (
    "import sys; sys.path.insert(0, {parent!r}); from tpgrade.runner.zygote import main; "
    "main({preload!r}, {fd})"
)


class ZygoteGone(Exception):
    """The zygote stopped answering (its runners are gone with it)."""


class Zygote:
    """A running zygote: ``command(fd)`` builds the sandboxed command given the control descriptor."""

    def __init__(
        self, command: Callable[[int], list[str]], env: dict[str, str], keep: tuple[str, ...] = ()
    ) -> None:
        self.keep = keep  # read-only folders under /tmp that each runner must see again
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._lock = threading.Lock()
        self._socket = ours
        self._stderr = CappedBuffer()
        try:
            self.popen = subprocess.Popen(
                command(theirs.fileno()),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        self._socket.settimeout(START_TIMEOUT)
        try:
            hello = self._socket.recv(1 << 16)
        except OSError:
            hello = b""
        if not hello:
            self.close()
            raise SandboxUnavailable(f"the warm runner did not start: {self._stderr.text()[-300:]}")
        self._socket.settimeout(None)

    def _drain(self) -> None:
        assert self.popen.stderr is not None
        while chunk := os.read(self.popen.stderr.fileno(), 1 << 16):
            self._stderr.add(chunk)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def ask(self, request: dict[str, Any], fds: list[int] | None = None) -> dict[str, Any]:
        with self._lock:
            try:
                socket.send_fds(self._socket, [json.dumps(request).encode()], fds or [])
                answer = self._socket.recv(1 << 16)
            except OSError as exc:
                raise ZygoteGone(str(exc)) from None
        if not answer:
            raise ZygoteGone(self._stderr.text()[-300:] or "no answer")
        result: dict[str, Any] = json.loads(answer)
        return result

    def spawn(
        self, limits: Limits, uid: int, seccomp: bytes | None = None, cgroups: Cgroups | None = None
    ) -> ForkedRunner:
        """A runner for one submission: its own uid, the ``seccomp`` filter, a cgroup of ``cgroups``."""
        cgroup = cgroups.create(limits) if cgroups is not None else None
        try:
            return ForkedRunner(self, limits, uid, seccomp, cgroup)
        except BaseException:
            if cgroup is not None and cgroups is not None:
                cgroups.release(cgroup)
            raise

    def kill(self) -> None:
        """Kill the zygote's sandbox (and so every runner it forked) without waiting."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, 9)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.close()
        if self.popen.poll() is None:
            self.kill()
        self.popen.wait()
        self._drainer.join(timeout=2)
        if self.popen.stderr is not None and not self._drainer.is_alive():
            with contextlib.suppress(OSError):
                self.popen.stderr.close()


class ForkedRunner(RunnerProcess):
    """A runner forked by the zygote for one submission (in ``cgroup``, if given)."""

    def __init__(
        self,
        zygote: Zygote,
        limits: Limits,
        uid: int,
        seccomp: bytes | None = None,
        cgroup: RunnerCgroup | None = None,
    ) -> None:
        self.zygote = zygote
        self.cgroup = cgroup
        stdin_read, self._stdin = os.pipe()
        self._stdout, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        theirs = [stdin_read, stdout_write, stderr_write]
        try:
            if cgroup is not None:
                theirs += cgroup.open_procs()
            request = {
                "op": "spawn",
                "uid": uid,
                "keep": list(zygote.keep),
                "limits": dataclasses.asdict(limits),
                "seccomp": seccomp.hex() if seccomp else "",
                "cgroup": len(theirs) - 3,
            }
            self.pid = int(zygote.ask(request, theirs)["pid"])
        except BaseException:
            for fd in (stderr_read, self._stdin, self._stdout):
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        self._status: int | None = None
        self._killed = False
        self._stderr = CappedBuffer()
        self._stderr_fd = stderr_read
        self._drain = threading.Thread(target=self._drain_stderr, daemon=True)
        self._drain.start()

    def _drain_stderr(self) -> None:
        with contextlib.suppress(OSError):
            while chunk := os.read(self._stderr_fd, 1 << 16):
                self._stderr.add(chunk)
        with contextlib.suppress(OSError):
            os.close(self._stderr_fd)

    @property
    def stdin_fd(self) -> int:
        return self._stdin

    @property
    def stdout_fd(self) -> int:
        return self._stdout

    def descendants(self) -> int:
        try:
            return int(self.zygote.ask({"op": "count", "pid": self.pid})["count"])
        except ZygoteGone:
            return 0

    def stderr_text(self) -> str:
        return self._stderr.text()

    def kill(self) -> None:
        if not self._killed:
            self._killed = True
            try:
                self._status = int(self.zygote.ask({"op": "kill", "pid": self.pid})["status"])
            except ZygoteGone:
                self._status = 137 if self._status is None else self._status
            if self.cgroup is not None:
                self.cgroup.destroy()  # whatever of the submission still runs (none, normally)
        for fd in (self._stdin, self._stdout):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._drain.join(timeout=2)

    def wait(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while (code := self.exit_code()) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return code

    def exit_code(self) -> int | None:
        if self._status is None:
            try:
                status = self.zygote.ask({"op": "poll", "pid": self.pid})["status"]
            except ZygoteGone:
                status = 137
            self._status = None if status is None else int(status)
        return self._status
