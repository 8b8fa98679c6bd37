"""Helpers shared by the runner and the in-process client."""

from __future__ import annotations

import os
import signal
import sys

# Bound at import: student code, which runs in this process later, may patch the builtins.
from builtins import compile, dict, exec, int, isinstance, str, type  # noqa: UP029
from typing import Any

import numpy as np

from tpgrade.runner import guards
from tpgrade.wire.codec import CodecError, Ref


class KeptValues:
    """Values that stay on the runner's side, numbered from ``base``."""

    def __init__(self, base: int) -> None:
        self._values: dict[int, Any] = {}
        self._next = base

    def add(self, value: Any) -> Ref:
        ref = Ref(self._next, type(value).__name__)
        self._values[self._next] = value
        self._next += 1
        return ref

    def get(self, ref_id: int) -> Any:
        if ref_id not in self._values:
            raise CodecError("unknown reference")
        return self._values[ref_id]


def describe_exit(code: int) -> str:
    """How a process ended, in French, for feedback: ``code`` < 0 or > 128 is a signal."""
    if code < 0 or code > 128:
        number = -code if code < 0 else code - 128
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        hint = " (limite de mémoire ou de processus ?)" if name == "SIGKILL" else ""
        return f"le processus a été tué par le signal {name}{hint}"
    return f"le processus s'est arrêté (code de sortie {code} : sys.exit, os._exit ou plantage)"


def runner_device() -> str:
    """Where tensors from the judge go: ``cpu`` or ``cuda`` (set by the sandbox)."""
    return os.environ.get("TPGRADE_DEVICE", "cpu")


def to_tensor(array: np.ndarray) -> Any:
    import torch

    tensor = torch.from_numpy(array.copy())
    device = runner_device()
    return tensor if device == "cpu" else tensor.to(device)


def to_device(value: Any) -> Any:
    """Move a module built by the student's class to the grading device (tensors arrive there)."""
    device = runner_device()
    torch = sys.modules.get("torch")
    if device != "cpu" and torch is not None and isinstance(value, torch.nn.Module):
        return value.to(device)
    return value


def prepare_device() -> None:
    """Check that the requested GPU is visible; keep float32 arithmetic exact enough for the tolerances."""
    if runner_device() == "cpu":
        return
    import torch

    if not torch.cuda.is_available():
        sys.stderr.write(
            "--device cuda: no GPU is visible to the runner (torch.cuda.is_available() is False)\n"
        )
        sys.exit(3)
    # TF32 keeps 10 bits of mantissa: float32 results would miss the graders' tolerances.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    # Tensors and modules built by probes and student code land next to the graders' inputs.
    torch.set_default_device(runner_device())


def compile_function(source: str, name: str, submission: dict[str, Any] | None = None) -> Any:
    """Compile a judge-written helper (the ``f`` of a numerical gradient, a probe).

    It sees ``np``, as ``submission`` the namespace of the student's code (a
    probe can call student functions where only the runner can: autograd),
    and as ``trusted`` the accessors captured before the student's code loaded
    (:data:`tpgrade.runner.guards.TRUSTED`); its builtins are those captured
    then too, so that a student's patch of ``builtins`` does not reach it.
    """
    namespace: dict[str, Any] = {
        "__builtins__": dict(guards.BUILTINS),
        "np": np,
        "__name__": "tpgrade_probe",
        "submission": submission or {},
        "trusted": guards.TRUSTED,
    }
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace[name]
