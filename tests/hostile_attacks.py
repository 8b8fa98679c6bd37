"""Hostile Day 2 submissions for the security suite (``test_security.py``).

Each attack is the Day 2 reference with one piece of hostile code added. The
code may name places on the host through placeholders, replaced when the
cohort is written: ``@COURSE@`` (the course folder: graders, references),
``@COHORT@`` (the folder of submissions), ``@STORE@`` (the results store),
``@SENTINEL@`` (a file next to the cohort that must stay untouched).
"""

from __future__ import annotations

from dataclasses import dataclass

# Load-time attacks are inserted before this line of the reference, so that
# functions are defined both before and after the hostile cell.
SPLIT_MARKER = "\n# --- Optimisers"


@dataclass(frozen=True)
class Attack:
    code: str
    question: str | None  # the attacked question; None when only loading is attacked
    statuses: frozenset[str] = frozenset()  # statuses accepted for the attacked question
    at_load: bool = False  # the code runs as a cell in the middle of the notebook
    load_issue: bool = False  # loading must report an issue (error, exit, time-out)


def _attack(
    code: str, question: str | None, *statuses: str, at_load: bool = False, load_issue: bool = False
) -> Attack:
    # On a loaded machine any call may overrun its time limit before the attack shows,
    # so "timed_out" is always one of the ways an attacked question may be lost.
    return Attack(code, question, frozenset(statuses) | {"timed_out"}, at_load, load_issue)


# What a channel attack uses to write on the runner's answer channel: the runner's own
# objects, found as any student could (the garbage collector, the call stack).
_CHANNEL = """
import base64, gc, io, json, os, sys, time
def _writer_fd():
    for thing in gc.get_objects():
        if type(thing).__name__ == "Channel" and hasattr(thing, "writer_fd"):
            return thing.writer_fd
def _write(data):
    fd, view = _writer_fd(), memoryview(data)
    while view:
        view = view[os.write(fd, view):]
def _forge(message):
    _write((json.dumps(message) + "\\n").encode())
def _frame_of(name):
    frame = sys._getframe()
    while frame is not None and frame.f_code.co_name != name:
        frame = frame.f_back
    return frame
def _load_state():
    frame = _frame_of("load")
    return frame.f_locals["request"], frame.f_locals["cell"]
def _call_request():
    return _frame_of("call").f_locals["request"]
def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return base64.b64encode(buffer.getvalue()).decode()
"""

ATTACKS: dict[str, Attack] = {
    "read_graders": _attack(
        """
def sgd_step(params, grads, lr):
    for path in ("@COURSE@/graders/day2/test_sgd_step.py", "../graders/day2/test_sgd_step.py",
                 "/opt/tpgrade/graders/day2/test_sgd_step.py"):
        exec(open(path).read(), globals())
    return params
""",
        "sgd_step",
        "error",
    ),
    "read_reference": _attack(
        """
def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    for path in ("@COURSE@/reference/day2/solution.py", "/opt/tpgrade/reference/day2/solution.py"):
        exec(open(path).read(), globals())
    return adam_step(params, grads, state, lr, beta1, beta2, eps)
""",
        "adam_step",
        "error",
    ),
    "stack_walk": _attack(
        """
import inspect, sys
def softmax(Z):
    frame = sys._getframe(1)
    while frame is not None:
        for value in frame.f_locals.values():
            if isinstance(value, np.ndarray) and value.shape == Z.shape and value is not Z:
                return value
        frame = frame.f_back
    for info in inspect.stack():
        for value in info.frame.f_locals.values():
            if isinstance(value, np.ndarray) and value.shape == Z.shape and value is not Z:
                return value
    return np.zeros_like(Z)
""",
        "softmax",
        "failed",
        "forbidden",  # frames and gc are refused in a NumPy-only function
    ),
    "patch_comparisons": _attack(
        """
import numpy.testing
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.testing.assert_array_almost_equal = lambda *a, **k: None
def grad_quadratic(x):
    return np.zeros(2)
""",
        "grad_quadratic",
        "failed",
    ),
    "always_equal": _attack(
        """
class AlwaysEqual(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __abs__(self): return 0.0
def cross_entropy(logits, y):
    return AlwaysEqual(float("nan"))
""",
        "cross_entropy",
        "failed",
        "invalid_output",
    ),
    "infinite_loop_in_function": _attack(
        "\ndef grad_quadratic(x):\n    while True:\n        pass\n",
        "grad_quadratic",
        "timed_out",
    ),
    "huge_allocation": _attack(
        "\ndef numerical_gradient(f, x, eps=1e-5):\n    return np.ones(int(50e9) // 8)\n",
        "numerical_gradient",
        "error",
        "crashed",
    ),
    "huge_return_value": _attack(
        "\ndef softmax(Z):\n    return np.ones((20000, 20000))\n",
        "softmax",
        "invalid_output",
        "error",
        "crashed",
    ),
    "fake_results_file": _attack(
        """
for target in ("results.json", "../results.json", "@COURSE@/results.json", "@COHORT@/results.json",
               "/tmp/results.json", "/autograder/results/results.json"):
    try:
        with open(target, "w") as stream:
            stream.write('{"score": 100}')
    except OSError:
        pass
def grad_quadratic(x):
    return np.array([x[1], x[0]])
""",
        "grad_quadratic",
        "failed",
    ),
    "fork_bomb": _attack(
        """
import os
def sgd_step(params, grads, lr):
    while True:
        os.fork()
""",
        "sgd_step",
        "error",
        "timed_out",
        "crashed",
    ),
    "stdout_flood": _attack(
        "\nimport sys\ndef grad_quadratic(x):\n    sys.stdout.write('x' * (1 << 30))\n    return None\n",
        "grad_quadratic",
        "failed",
        "timed_out",
        "error",
        "crashed",
    ),
    "segfault": _attack(
        "\nimport ctypes\ndef softmax(Z):\n    ctypes.string_at(0)\n",
        "softmax",
        "crashed",
    ),
    "network_and_environment": _attack(
        """
import os, socket
def cross_entropy(logits, y):
    leaked = [k for k in os.environ if "TOKEN" in k or "SECRET" in k]
    socket.create_connection(("127.0.0.1", 22), timeout=2)
    return float(len(leaked))
""",
        "cross_entropy",
        "error",
    ),
    "exit_in_cell": _attack("\nimport sys\nsys.exit(0)\n", None, at_load=True, load_issue=True),
    "os_exit_in_cell": _attack("\nimport os\nos._exit(0)\n", None, at_load=True, load_issue=True),
    "infinite_loop_in_cell": _attack("\nwhile True:\n    pass\n", None, at_load=True, load_issue=True),
    "daemon_in_cell": _attack(
        """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(600):
            for target in ("/tmp/daemon.txt", "@SENTINEL@"):
                try:
                    with open(target, "a") as stream:
                        stream.write("still here\\n")
                except OSError:
                    pass
            time.sleep(0.1)
    os._exit(0)
""",
        None,
        at_load=True,
    ),
    "read_store": _attack(
        """
import sqlite3
def softmax(Z):
    rows = sqlite3.connect("file:@STORE@?mode=ro", uri=True).execute("SELECT * FROM results").fetchall()
    return np.full(Z.shape, float(len(rows)))
""",
        "softmax",
        "error",
    ),
    "read_other_submissions": _attack(
        """
import os
def numerical_gradient(f, x, eps=1e-5):
    names = os.listdir("@COHORT@")
    exec(open("@COHORT@/aaa_control.py").read(), globals())
    return numerical_gradient(f, x, eps) + len(names)
""",
        "numerical_gradient",
        "error",
    ),
    "environment_secret": _attack(
        """
import glob, os
def grad_quadratic(x):
    seen = "TPGRADE_TEST_SECRET_TOKEN" in os.environ
    for path in glob.glob("/proc/*/environ"):
        try:
            seen = seen or b"TPGRADE_TEST_SECRET_TOKEN" in open(path, "rb").read()
        except OSError:
            pass
    # Right only if the judge's environment leaked into the sandbox.
    return np.array([x[1], x[0]]) * (2.0 if seen else -1.0)
""",
        "grad_quadratic",
        "failed",
    ),
    "gc_hunt": _attack(
        """
import gc
def softmax(Z):
    for value in gc.get_objects():
        if isinstance(value, np.ndarray) and value.shape == Z.shape and value is not Z \\
                and np.allclose(value.sum(axis=-1), 1.0):
            return value
    return np.zeros_like(Z)
""",
        "softmax",
        "failed",
        "forbidden",  # frames and gc are refused in a NumPy-only function
    ),
    "patch_sys_modules": _attack(
        """
import sys, types
def grad_quadratic(x):
    fake = types.ModuleType("numpy")
    fake.allclose = fake.isclose = fake.array_equal = lambda *a, **k: True
    fake.testing = types.SimpleNamespace(assert_allclose=lambda *a, **k: None)
    for name in ("numpy", "numpy.testing", "pytest", "tpgrade.grader", "math"):
        sys.modules[name] = fake
    return np.array([123.0, -456.0])
""",
        "grad_quadratic",
        "failed",
    ),
    "patch_builtins": _attack(
        """
import builtins
real_import = builtins.__import__
def lying_import(name, *args, **kwargs):
    module = real_import(name, *args, **kwargs)
    if name in ("numpy.testing", "pytest", "math"):
        module.isclose = module.allclose = lambda *a, **k: True
    return module
builtins.__import__ = lying_import
builtins.all = builtins.any = lambda *a, **k: True
builtins.round = lambda *a, **k: 0
def grad_quadratic(x):
    return np.array([123.0, -456.0])
""",
        "grad_quadratic",
        "failed",
    ),
    "array_subclass": _attack(
        """
class Liar(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(self), dtype=bool)
    def __ne__(self, other): return np.zeros(np.shape(self), dtype=bool)
    def __array_finalize__(self, obj): pass
    def __abs__(self): return np.zeros(np.shape(self))
    def __sub__(self, other): return np.zeros(np.shape(self)).view(Liar)
    __rsub__ = __sub__
def softmax(Z):
    return np.full(Z.shape, np.nan).view(Liar)
""",
        "softmax",
        "invalid_output",
        "failed",
    ),
    "lying_object": _attack(
        """
class Anything:
    shape = (2,)
    dtype = np.float64
    def __eq__(self, other): return True
    def __array__(self, *a, **k): raise RuntimeError("no")
    def __float__(self): return 0.0
    def __len__(self): return 2
    def __getattr__(self, name): return self
    def __call__(self, *a, **k): return self
def grad_quadratic(x):
    return Anything()
""",
        "grad_quadratic",
        "failed",
        "invalid_output",
    ),
    "object_array": _attack(
        """
class Payload:
    def __reduce__(self):
        return (print, ("pickled code ran",))
def softmax(Z):
    out = np.empty(Z.shape, dtype=object)
    out[...] = Payload()
    return out
""",
        "softmax",
        "invalid_output",
        "failed",
    ),
    "sys_exit_in_function": _attack("\nimport sys\ndef softmax(Z):\n    sys.exit(0)\n", "softmax", "error"),
    "system_exit_raised": _attack(
        "\ndef cross_entropy(logits, y):\n    raise SystemExit(3)\n", "cross_entropy", "error"
    ),
    "keyboard_interrupt_in_function": _attack(
        "\ndef grad_quadratic(x):\n    raise KeyboardInterrupt\n", "grad_quadratic", "error"
    ),
    "os_exit_in_function": _attack(
        "\nimport os\ndef sgd_step(params, grads, lr):\n    os._exit(0)\n", "sgd_step", "crashed"
    ),
    "kill_everything": _attack(
        """
import os, signal
def grad_quadratic(x):
    # -1: every process this user may signal (Linux spares the caller itself).
    for target in (os.getppid(), 1, -1):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    return np.zeros(2)
""",
        "grad_quadratic",
        "crashed",
        "failed",
    ),
    "evil_exception": _attack(
        """
class Evil(Exception):
    def __str__(self):
        raise RuntimeError("no message for you")
    def __repr__(self):
        raise RuntimeError("no repr either")
def softmax(Z):
    raise Evil()
""",
        "softmax",
        "error",
        "crashed",
    ),
    "system_exit_in_cell": _attack("\nraise SystemExit(0)\n", None, at_load=True, load_issue=True),
    "keyboard_interrupt_in_cell": _attack("\nraise KeyboardInterrupt\n", None, at_load=True, load_issue=True),
    "ignore_sigterm": _attack(
        """
import signal
for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(number, signal.SIG_IGN)
def grad_quadratic(x):
    while True:
        pass
""",
        "grad_quadratic",
        "timed_out",
    ),
    "atexit_hook": _attack(
        """
import atexit
def write_results():
    for target in ("results.json", "../results.json", "@COHORT@/results.json", "@COURSE@/results.json",
                   "@SENTINEL@"):
        try:
            with open(target, "w") as stream:
                stream.write('{"score": 100}')
        except OSError:
            pass
atexit.register(write_results)
""",
        None,
        at_load=True,
    ),
    "background_thread": _attack(
        """
import threading, time
def keep_writing():
    for _ in range(300):
        for target in ("@SENTINEL@", "@COHORT@/zzz_control.py"):
            try:
                with open(target, "w") as stream:
                    stream.write("overwritten")
            except OSError:
                pass
        time.sleep(0.05)
threading.Thread(target=keep_writing, daemon=False).start()
""",
        None,
        at_load=True,
    ),
    "memory_bomb": _attack(
        """
def mlp_backward(y, params, cache):
    hoard = []
    while True:
        hoard.append(bytearray(1 << 26))
""",
        "mlp_backward",
        "error",
        "crashed",
    ),
    "disk_filler": _attack(
        """
import os
def sgd_step(params, grads, lr):
    block = b"x" * (1 << 20)
    for folder in (".", "..", "/tmp", "/dev/shm", "@COHORT@", os.path.expanduser("~")):
        try:
            with open(os.path.join(folder, "filler.bin"), "wb") as stream:
                for _ in range(100_000):
                    stream.write(block)
        except OSError:
            pass
    return {name: value * 0 for name, value in params.items()}
""",
        "sgd_step",
        "failed",
        "timed_out",
        "error",
    ),
    "billion_elements": _attack(
        "\ndef softmax(Z):\n    return np.broadcast_to(np.float64(0.5), (10**9,))\n",
        "softmax",
        "invalid_output",
    ),
    "socket_outside": _attack(
        """
import socket
def grad_quadratic(x):
    for host, port in (("8.8.8.8", 53), ("pypi.org", 443), ("::1", 22)):
        socket.create_connection((host, port), timeout=2).close()
    return np.array([x[1], x[0]])
""",
        "grad_quadratic",
        "error",
    ),
    "delete_files": _attack(
        """
import os, shutil
def softmax(Z):
    for folder in (".", "..", "../..", "@COHORT@", "@COURSE@/graders", "@COURSE@/reference"):
        shutil.rmtree(folder, ignore_errors=True)
        try:
            os.unlink("@SENTINEL@")
        except OSError:
            pass
    return np.zeros_like(Z)
""",
        "softmax",
        "failed",
    ),
    "rewrite_files": _attack(
        """
import os
def cross_entropy(logits, y):
    lenient = "def test_anything():\\n    pass\\n"
    for path in ("@COURSE@/graders/day2/test_cross_entropy.py", "@COURSE@/reference/day2/solution.py",
                 "@COHORT@/aaa_control.py", "@SENTINEL@", "../graders/day2/test_cross_entropy.py",
                 "/opt/tpgrade/graders/day2/test_cross_entropy.py"):
        try:
            with open(path, "w") as stream:
                stream.write(lenient)
        except OSError:
            pass
    for name in os.listdir("."):
        try:
            with open(name, "w") as stream:
                stream.write(lenient)
        except OSError:
            pass
    return -1.0
""",
        "cross_entropy",
        "failed",
    ),
    # --- The answer channel is hostile: student code writes well-formed messages on it. ---
    "channel_deadline_reset": _attack(
        _CHANNEL
        + """
def _keep_the_cell_alive():
    request, cell = _load_state()
    for _ in range(200):  # a forged "cell started" every 0.5 s: 100 s, far beyond every limit
        _forge({"event": "cell_start", "id": request.id, "index": cell.index})
        time.sleep(0.5)
_keep_the_cell_alive()
""",
        None,
        at_load=True,
        load_issue=True,
    ),
    "channel_flood_at_load": _attack(
        _CHANNEL
        + """
def _flood():
    request, cell = _load_state()
    line = (json.dumps({"event": "cell_done", "id": request.id, "index": cell.index,
                        "error": {"type": "X", "message": "x" * 1000}}) + "\\n").encode()
    for _ in range(100_000):
        _write(line)
_flood()
""",
        None,
        at_load=True,
        load_issue=True,
    ),
    "channel_huge_line": _attack(
        _CHANNEL
        + """
def numerical_gradient(f, x, eps=1e-5):
    request = _call_request()
    _write(b'{"event": "result", "id": %d, "value": "' % request.id + b"A" * (40 << 20) + b'"}\\n')
    return np.zeros_like(x)
""",
        "numerical_gradient",
        "invalid_output",
        "crashed",
    ),
    "channel_largest_line_accepted": _attack(
        _CHANNEL
        + """
def sgd_step(params, grads, lr):
    request = _call_request()
    _write(b'{"event": "result", "id": %d, "value": "' % request.id + b"A" * ((16 << 20) - 100) + b'"}\\n')
    time.sleep(30)
""",
        "sgd_step",
        "failed",
        "invalid_output",  # the real answer, arriving after the forged one, answers no request
    ),
    "channel_many_small_values": _attack(
        _CHANNEL
        + """
def diagnose_learning_curve(train_loss, val_loss):
    request = _call_request()
    _write(b'{"event": "result", "id": %d, "value": [' % request.id + b"0," * 3_000_000 + b'0]}\\n')
    return "healthy"
""",
        "diagnose_learning_curve",
        "invalid_output",
        "crashed",
    ),
    "channel_huge_integer": _attack(
        _CHANNEL
        + """
def grad_quadratic(x):
    request = _call_request()
    _write(b'{"event": "result", "id": %d, "value": %s}\\n' % (request.id, b"9" * 4000))
    time.sleep(30)
""",
        "grad_quadratic",
        "invalid_output",
    ),
    "channel_int_beyond_64_bits": _attack(
        _CHANNEL
        + """
def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    request = _call_request()
    _forge({"event": "result", "id": request.id, "value": 2 ** 64 + 1})
    time.sleep(30)
""",
        "adam_step",
        "invalid_output",
    ),
    "channel_crafted_array": _attack(
        _CHANNEL
        + """
import base64
def grad_quadratic(x):
    request = _call_request()
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    header = header.ljust(118) + "\\n"
    npy = b"\\x93NUMPY\\x01\\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\\0" * 64
    _forge({"event": "result", "id": request.id, "value": {"$npy": base64.b64encode(npy).decode()}})
    time.sleep(30)
""",
        "grad_quadratic",
        "invalid_output",
    ),
    "channel_forged_answers": _attack(
        _CHANNEL
        + """
def grad_quadratic(x):
    request = _call_request()
    zeros = {"$npy": _npy(np.zeros_like(x))}
    for offset in range(0, 8):  # this request and the next ones, whichever question they are
        _forge({"event": "result", "id": request.id + offset, "value": zeros})
    return np.zeros_like(x)
""",
        "grad_quadratic",
        "failed",
        "invalid_output",
    ),
    "channel_late_answers_from_a_thread": _attack(
        _CHANNEL
        + """
import threading
def sgd_step(params, grads, lr):
    request = _call_request()
    def later():
        for offset in range(1, 40):
            time.sleep(0.05)
            _forge({"event": "result", "id": request.id + offset, "value": None})
    threading.Thread(target=later, daemon=True).start()
    time.sleep(0.01)
    return {key: 0 * value for key, value in params.items()}
""",
        "sgd_step",
        "failed",
        "invalid_output",
    ),
    "channel_unsolicited_events_in_a_call": _attack(
        _CHANNEL
        + """
def grad_quadratic(x):
    request = _call_request()
    _forge({"event": "cell_done", "id": request.id, "index": 0})
    _forge({"event": "loaded", "id": request.id, "names": ["x"] * 10})
    return np.array([2.0 * x[0], 4.0 * x[1]])
""",
        "grad_quadratic",
        "invalid_output",
    ),
    "channel_flood_during_a_call": _attack(
        _CHANNEL
        + """
def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    request = _call_request()
    line = (json.dumps({"event": "raised", "id": request.id,
                        "error": {"type": "ValueError", "message": "y" * 4000}}) + "\\n").encode()
    for _ in range(100_000):
        _write(line)
    return params, state
""",
        "adam_step",
        "error",
        "invalid_output",
        "crashed",
    ),
    "channel_bad_text": _attack(
        """
def sgd_step(params, grads, lr):
    raise ValueError("\\ud800 lone surrogate, \\x1b[2J escape, \\u202e bidi, \\x00 nul")
""",
        "sgd_step",
        "error",
    ),
}
