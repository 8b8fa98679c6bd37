"""The runner's main loop: load the submission's cells, then answer calls.

Requests and answers are JSON lines on the process's original stdin/stdout,
which are moved to private descriptors at start; student output goes to
stderr, which the judge reads with a cap. Time limits are enforced from
outside: the judge kills this process when a cell or a call overruns, so
nothing here needs to resist student code, which could patch any of it; all
it could forge is its own answers, which the judge validates anyway.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from typing import Any

from tpgrade.runner.protocol import (
    KeptValues,
    compile_function,
    describe_exit,
    prepare_device,
    to_device,
    to_tensor,
)
from tpgrade.wire import codec

MAX_REQUEST_BYTES = 512 << 20


class Channel:
    def __init__(self) -> None:
        self.reader = os.fdopen(os.dup(0), "rb", buffering=1 << 16)
        self.writer_fd = os.dup(1)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.dup2(2, 1)
        sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process

    def receive(self) -> dict[str, Any] | None:
        line = self.reader.readline(MAX_REQUEST_BYTES)
        return json.loads(line) if line else None

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message, allow_nan=False) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self.writer_fd, view)
            view = view[written:]


def _student_frames(tb: Any) -> str:
    """The traceback without the runner's own frames."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename.startswith("<")]
    return "".join(traceback.format_list(frames[-8:]))[-4000:]


def _error(exc: BaseException) -> dict[str, str]:
    message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return {
        "type": type(exc).__name__,
        "message": message[-2000:],
        "traceback": _student_frames(exc.__traceback__),
    }


class Runner:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
        self.kept = KeptValues(base=0)
        self.pid = os.getpid()
        self.end_signal = -1  # in a question's process: where to say that it ended on request

    def isolate(self) -> None:
        """Serve the next requests from a fork, so that a question cannot change the next one.

        The parent waits for the fork to end. On the judge's ``end`` the fork
        says so on a private pipe and exits; any other end (a crash, os._exit)
        is reported as the answer the judge is waiting for.
        """
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read_end)
            self.pid, self.end_signal = os.getpid(), write_end
            self.channel.send({"event": "result", "value": None})
            return
        os.close(write_end)
        _, status = os.waitpid(child, 0)
        os.set_blocking(read_end, False)
        try:
            ended = os.read(read_end, 1) == b"E"
        except BlockingIOError:
            ended = False
        os.close(read_end)
        if ended:
            self.channel.send({"event": "result", "value": None})
        else:
            self.channel.send(
                {"event": "crashed", "message": describe_exit(os.waitstatus_to_exitcode(status))}
            )

    def end(self) -> None:
        if self.end_signal < 0:
            self.channel.send({"event": "result", "value": None})
            return
        os.write(self.end_signal, b"E")
        os._exit(0)

    def load(self, request: dict[str, Any]) -> None:
        self.kept = KeptValues(base=int(request.get("ref_base", 0)))
        for cell in request["cells"]:
            index = int(cell["index"])
            self.channel.send({"event": "cell_start", "index": index})
            error = None
            try:
                code = compile(cell["source"], f"<cellule {index + 1}>", "exec")
                exec(code, self.namespace)
            except BaseException as exc:  # SystemExit and KeyboardInterrupt included
                error = _error(exc)
            self.channel.send({"event": "cell_done", "index": index, "error": error})
        names = sorted(n for n in self.namespace if isinstance(n, str) and not n.startswith("_"))
        self.channel.send({"event": "loaded", "names": names})

    def _target(self, spec: dict[str, Any]) -> Any:
        if spec.get("probe"):
            return compile_function(str(spec["probe"]), str(spec["probe_name"]), self.namespace)
        value = self.namespace[spec["name"]] if spec.get("name") else self.kept.get(int(spec["ref"]))
        for attr in spec.get("attrs", []):
            value = getattr(value, attr)
        return value

    def _decode(self, data: Any) -> Any:
        return codec.decode(data, self.kept.get, to_tensor, self._compile)

    def _compile(self, source: str, name: str) -> Any:
        return compile_function(source, name, self.namespace)

    def call(self, request: dict[str, Any]) -> None:
        pid = self.pid
        try:
            function = self._target(request["target"])
            args = self._decode(request.get("args", []))
            kwargs = self._decode(request.get("kwargs", {"$dict": []}))
            value = to_device(function(*args, **kwargs)) if request["op"] == "call" else function
        except BaseException as exc:
            if os.getpid() != pid:
                os._exit(1)
            self.channel.send({"event": "raised", "error": _error(exc)})
            return
        if os.getpid() != pid:
            os._exit(0)
        try:
            encoded = codec.encode(value, self.kept.add)
        except BaseException as exc:
            self.channel.send({"event": "invalid", "message": str(exc)[:500]})
            return
        self.channel.send({"event": "result", "value": encoded})

    def keep(self, request: dict[str, Any]) -> None:
        ref = self.kept.add(self._decode(request["value"]))
        self.channel.send({"event": "result", "value": codec.encode(ref)})

    def serve(self) -> None:
        self.channel.send({"event": "ready", "pid": self.pid})
        while (request := self.channel.receive()) is not None:
            if os.getpid() != self.pid:
                os._exit(0)  # a child forked by student code must not answer for the runner
            if request["op"] == "isolate":
                self.isolate()
            elif request["op"] == "end":
                self.end()
            elif request["op"] == "load":
                self.load(request)
            elif request["op"] in ("call", "get"):
                self.call(request)
            elif request["op"] == "keep":
                self.keep(request)


def main() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    prepare_device()
    Runner(Channel()).serve()
    os._exit(0)  # stdin closed: the judge is gone (a question's fork ends here too)
