"""The sandbox boundary: start the runner somewhere it cannot do harm.

One small interface, :class:`Sandbox`, with one module per backend
(``process.py`` for the Linux process sandbox, ``docker.py``, ``none.py`` for
trusted public checks). A backend only starts the runner process; the
protocol spoken with it lives in :mod:`tpgrade.judge.session`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from abc import ABC, abstractmethod
from pathlib import Path

from tpgrade.paths import PACKAGE_DIR
from tpgrade.runner.execution import describe_exit
from tpgrade.wire.limits import Limits

STDERR_KEEP = 64 << 10
RUNNER_BOOT = "import sys; sys.path.insert(0, {parent!r}); from tpgrade.runner.server import main; main()"
RUNNER_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp",
    "TORCH_HOME": "/tmp",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "LANG": "C.UTF-8",
}


class RunnerProcess(ABC):
    """A started runner: protocol on ``stdin_fd``/``stdout_fd``, diagnostics kept capped."""

    @property
    @abstractmethod
    def stdin_fd(self) -> int:
        """Descriptor the judge writes requests to."""

    @property
    @abstractmethod
    def stdout_fd(self) -> int:
        """Descriptor the judge reads answers from."""

    @abstractmethod
    def descendants(self) -> int:
        """How many processes the runner has started and that still run (0 if unknown)."""

    @abstractmethod
    def stderr_text(self) -> str:
        """The start of what the runner wrote on stderr."""

    @abstractmethod
    def kill(self) -> None:
        """Kill the runner and everything it started; wait until they are gone."""

    @abstractmethod
    def wait(self, timeout: float) -> int | None:
        """The exit status once the runner has ended (``None`` if still running after ``timeout``)."""

    @abstractmethod
    def exit_code(self) -> int | None:
        """The exit status, or ``None`` while running (negative or > 128: a signal)."""

    def exit_description(self) -> str:
        """How the process ended, in French, for feedback."""
        code = self.exit_code()
        return "le processus ne répond plus" if code is None else describe_exit(code)


class CappedBuffer:
    """The first ``STDERR_KEEP`` bytes written to it; the rest is dropped."""

    def __init__(self) -> None:
        self._data = bytearray()

    def add(self, chunk: bytes) -> None:
        if len(self._data) < STDERR_KEEP:
            self._data.extend(chunk[: STDERR_KEEP - len(self._data)])

    def text(self) -> str:
        return self._data.decode("utf-8", "replace")


def count_descendants(root_pid: int) -> int:
    """How many processes descend from ``root_pid`` now, read from ``/proc``."""
    count, pending = 0, [root_pid]
    while pending:
        pid = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as stream:
                    children = [int(child) for child in stream.read().split()]
            except (OSError, ValueError):
                continue
            count += len(children)
            pending.extend(children)
    return count


class PopenRunner(RunnerProcess):
    """A runner that is a local child process (its own session and process group)."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen
        self._stderr = CappedBuffer()
        self._drain = threading.Thread(target=self._drain_stderr, daemon=True)
        self._drain.start()

    def _drain_stderr(self) -> None:
        stream = self.popen.stderr
        assert stream is not None
        while chunk := os.read(stream.fileno(), 1 << 16):
            self._stderr.add(chunk)

    @property
    def stdin_fd(self) -> int:
        assert self.popen.stdin is not None
        return self.popen.stdin.fileno()

    @property
    def stdout_fd(self) -> int:
        assert self.popen.stdout is not None
        return self.popen.stdout.fileno()

    def descendants(self) -> int:
        return count_descendants(self.popen.pid)

    def stderr_text(self) -> str:
        return self._stderr.text()

    def kill(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.popen.kill()
        self.popen.wait()
        for stream in (self.popen.stdin, self.popen.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._drain.join(timeout=2)
        if self.popen.stderr is not None and not self._drain.is_alive():
            with contextlib.suppress(OSError):
                self.popen.stderr.close()

    def wait(self, timeout: float) -> int | None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=timeout)
        return self.popen.poll()

    def exit_code(self) -> int | None:
        return self.popen.poll()


class Sandbox(ABC):
    """Starts runner processes. ``isolated`` says whether it protects the judge."""

    name: str = "abstract"
    isolated: bool = False

    @abstractmethod
    def launch(self, limits: Limits, slot: int = 0) -> RunnerProcess:
        """Start one runner process; ``slot`` tells parallel runners apart."""

    def describe(self) -> str:
        return self.name

    def close(self) -> None:
        """Release what the backend holds once a batch is over (runners are killed one by one)."""
        return None

    def abandon(self) -> None:
        """Like :meth:`close`, from a signal handler: without waiting on anything the
        interrupted code may hold (locks, connections)."""
        self.close()

    def leftovers(self) -> list[str]:
        """What this backend started that still exists (for tests and clean-up checks)."""
        return []


def runner_argv(package_parent: Path) -> list[str]:
    return [sys.executable, "-I", "-B", "-c", RUNNER_BOOT.format(parent=str(package_parent))]


def default_package_parent() -> Path:
    return PACKAGE_DIR.parent
