"""The runner's main loop: load the submission's cells, then answer requests.

Requests and events are the JSON lines of :mod:`tpgrade.wire`, on the
process's original stdin/stdout, which are moved to private descriptors at
start; student output goes to stderr, which the judge reads with a cap.
Every event carries the id of the request it answers. Time limits are the
judge's: it kills this process when a cell or a call overruns. Nothing here
needs to resist student code, which could patch any of it: all it could
forge is its own answers, which the judge checks against the request it made
and validates anyway.
"""

from __future__ import annotations

import contextlib
import importlib
import mmap
import os
import signal
import struct
import sys
import traceback

# Bound at import: student code, which runs in this process later, may patch the builtins.
from builtins import (  # noqa: UP029
    bool,
    compile,
    dict,
    exec,
    getattr,
    int,
    isinstance,
    len,
    list,
    memoryview,
    sorted,
    str,
    type,
)
from typing import Any

from tpgrade.runner import guards
from tpgrade.runner.execution import (
    KeptValues,
    compile_function,
    describe_exit,
    prepare_device,
    to_device,
    to_tensor,
)
from tpgrade.wire import codec
from tpgrade.wire.messages import (
    MAX_ANSWER_LINE_BYTES,
    MAX_MESSAGE_CHARS,
    MAX_NAME_CHARS,
    MAX_NAMES,
    MAX_TRACEBACK_CHARS,
    MAX_TYPE_CHARS,
    Call,
    CellDone,
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
    encode_event,
    parse_request,
)

MAX_REQUEST_BYTES = 512 << 20
# What a question's fork leaves for the loaded runner: whether it ended on the
# judge's request, and the id of the request it was serving.
_FORK_STATE = struct.Struct("<?q")


class Channel:
    def __init__(self) -> None:
        self.reader = os.fdopen(os.dup(0), "rb", buffering=1 << 16)
        self.writer_fd = os.dup(1)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.dup2(2, 1)
        sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process

    def receive(self) -> Request | None:
        line = self.reader.readline(MAX_REQUEST_BYTES)
        return parse_request(line) if line else None

    def send(self, event: Event) -> None:
        view = memoryview(encode_event(event))
        while view:
            written = os.write(self.writer_fd, view)
            view = view[written:]


def _student_frames(tb: Any) -> str:
    """The traceback without the runner's own frames."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename.startswith("<")]
    return "".join(traceback.format_list(frames[-8:]))[-MAX_TRACEBACK_CHARS:]


def _error(exc: BaseException) -> ErrorInfo:
    try:
        message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    except BaseException:  # a student exception whose __str__ raises
        message = type(exc).__name__
    return ErrorInfo(
        type=type(exc).__name__[:MAX_TYPE_CHARS],
        message=message[-2000:],
        traceback=_student_frames(exc.__traceback__),
    )


class Runner:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
        self.kept = KeptValues(base=0)
        self.pid = os.getpid()
        self.fork_state: mmap.mmap | None = None  # in a question's fork: shared with the loaded runner
        self.guarded = False  # PyTorch is forbidden in this fork

    def _serving(self, request_id: int, ended: bool = False) -> None:
        if self.fork_state is not None:
            _FORK_STATE.pack_into(self.fork_state, 0, ended, request_id)

    def isolate(self, request: Isolate) -> None:
        """Serve the next requests from a fork, so that a question cannot change the next one.

        The loaded runner waits for the fork to end. On the judge's ``end``
        the fork says so in shared memory and exits, and the runner answers
        the ``end``; any other end (a crash, ``os._exit``) is answered as a
        crash of the request the fork was serving.
        """
        import_lazy_parts()
        state = mmap.mmap(-1, _FORK_STATE.size)
        _FORK_STATE.pack_into(state, 0, False, request.id)
        child = os.fork()
        if child == 0:
            self.pid, self.fork_state = os.getpid(), state
            if request.numpy_only:
                guards.forbid_torch()
                self.guarded = True
            self.channel.send(Result(id=request.id))
            return
        _, status = os.waitpid(child, 0)
        ended, request_id = _FORK_STATE.unpack_from(state, 0)
        state.close()
        if ended:
            self.channel.send(Result(id=request_id))
        else:
            message = describe_exit(os.waitstatus_to_exitcode(status))
            self.channel.send(Crashed(id=request_id, message=message[:MAX_MESSAGE_CHARS]))

    def end(self, request: End) -> None:
        if self.fork_state is None:
            self.channel.send(Result(id=request.id))
            return
        self._serving(request.id, ended=True)
        os._exit(0)

    def load(self, request: Load) -> None:
        self.kept = KeptValues(base=request.ref_base)
        for cell in request.cells:
            self.channel.send(CellStart(id=request.id, index=cell.index))
            error = None
            try:
                code = compile(cell.source, f"<cellule {cell.index + 1}>", "exec")
                exec(code, self.namespace)
            except BaseException as exc:  # SystemExit, KeyboardInterrupt, RecursionError included
                error = _error(exc)
            self.channel.send(CellDone(id=request.id, index=cell.index, error=error))
        names = sorted(
            n
            for n in list(self.namespace)
            if type(n) is str and not n.startswith("_") and len(n) <= MAX_NAME_CHARS
        )
        self.channel.send(Loaded(id=request.id, names=names[:MAX_NAMES]))

    def _target(self, spec: TargetSpec) -> Any:
        if spec.probe is not None:
            return compile_function(spec.probe, str(spec.probe_name), self.namespace)
        value = self.namespace[spec.name] if spec.name is not None else self.kept.get(int(spec.ref or 0))
        for attr in spec.attrs:
            value = getattr(value, attr)
        return value

    def _decode(self, data: Any) -> Any:
        return codec.decode(data, self.kept.get, to_tensor, self._compile)

    def _compile(self, source: str, name: str) -> Any:
        return compile_function(source, name, self.namespace)

    def call(self, request: Call | Get) -> None:
        pid = self.pid
        try:
            function = self._target(request.target)
            if isinstance(request, Call):
                args = self._decode(request.args if request.args is not None else [])
                kwargs = self._decode(request.kwargs if request.kwargs is not None else {"$dict": []})
                value = to_device(function(*args, **kwargs))
            else:
                value = function
        except BaseException as exc:
            if os.getpid() != pid:
                os._exit(1)
            self.channel.send(Raised(id=request.id, error=_error(exc)))
            return
        if os.getpid() != pid:
            os._exit(0)
        if not self._forbidden(request.id):
            self._answer(request.id, value)

    def _forbidden(self, request_id: int) -> bool:
        """In a NumPy-only question's fork: say so if PyTorch was used (or the guard removed)."""
        if not self.guarded or guards.guard_intact():
            return False
        error = ErrorInfo(type="TorchForbidden", message=guards.FORBIDDEN_MESSAGE)
        self.channel.send(Raised(id=request_id, error=error))
        return True

    def _answer(self, request_id: int, value: Any) -> None:
        try:
            line = encode_event(Result(id=request_id, value=codec.encode(value, self.kept.add)))
        except BaseException as exc:
            if self._forbidden(request_id):  # a tensor returned: encoding it used PyTorch
                return
            self.channel.send(Invalid(id=request_id, message=str(exc)[:500]))
            return
        if len(line) > MAX_ANSWER_LINE_BYTES:
            size = f"{len(line) / 2**20:.0f} Mo"
            self.channel.send(
                Invalid(id=request_id, message=f"valeur trop volumineuse ({size} une fois encodée)")
            )
            return
        view = memoryview(line)
        while view:
            view = view[os.write(self.channel.writer_fd, view) :]

    def keep(self, request: Keep) -> None:
        ref = self.kept.add(self._decode(request.value))
        self.channel.send(Result(id=request.id, value=codec.encode(ref)))

    def serve(self) -> None:
        self.channel.send(Ready(id=0, pid=self.pid))
        while (request := self.channel.receive()) is not None:
            if os.getpid() != self.pid:
                os._exit(0)  # a child forked by student code must not answer for the runner
            self._serving(request.id)
            if isinstance(request, Isolate):
                self.isolate(request)
            elif isinstance(request, End):
                self.end(request)
            elif isinstance(request, Load):
                self.load(request)
            elif isinstance(request, Call | Get):
                self.call(request)
            elif isinstance(request, Keep):
                self.keep(request)


# Parts of a loaded library that it imports only on first use, once per process: the
# first optimizer a fresh fork builds imports torch._dynamo (1.5 s), the first random
# generator numpy.random (17 ms; NumPy 2 loads its submodules lazily), in every fork.
# Imported by the zygote after its preloads, and by a runner before its first fork.
LAZY_PARTS = {
    "torch": ("torch._dynamo",),
    "numpy": ("numpy.random", "numpy.linalg", "numpy.fft", "numpy.ma", "numpy.polynomial"),
}


def import_lazy_parts() -> None:
    """Import, before forking, what each library in use would import in every fork."""
    for library, parts in LAZY_PARTS.items():
        if library in sys.modules:
            for part in parts:
                if part not in sys.modules:
                    with contextlib.suppress(Exception):
                        importlib.import_module(part)


def main() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    prepare_device()
    Runner(Channel()).serve()
    os._exit(0)  # stdin closed: the judge is gone (a question's fork ends here too)
