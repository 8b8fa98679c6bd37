"""Helpers shared by the runner and the in-process client."""

from __future__ import annotations

from typing import Any

import numpy as np

from tpgrade.codec import CodecError, Ref


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


def to_tensor(array: np.ndarray) -> Any:
    import torch

    return torch.from_numpy(array.copy())


def compile_function(source: str, name: str, submission: dict[str, Any] | None = None) -> Any:
    """Compile a judge-written helper (the ``f`` of a numerical gradient, a probe).

    It sees ``np`` and, as ``submission``, the namespace of the student's code:
    a probe can call student functions where only the runner can (autograd).
    """
    namespace: dict[str, Any] = {"np": np, "__name__": "tpgrade_probe", "submission": submission or {}}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace[name]
