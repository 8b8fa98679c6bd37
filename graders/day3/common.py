"""Helpers shared by the Day 3 graders (judge side only).

Each grader file loads this module by path (``load_module``): the graders are
not a package. Torch questions are checked on the tensors the student returns:
type, dtype where the contract fixes it, shape, then closeness to the
reference computed in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from tpgrade.grader import Fail, expect_array

FLOAT32_EPS = float(np.finfo(np.float32).eps)  # 1.19e-7


def describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"un tenseur torch {value.dtype} de forme {tuple(value.shape)}"
    if isinstance(value, np.ndarray):
        return f"un tableau NumPy {value.dtype} de forme {value.shape}"
    return f"un objet de type {type(value).__name__}"


def tensor(array: Any, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A torch tensor of ``dtype`` holding ``array`` (a NumPy array drawn from ``rng``)."""
    return torch.from_numpy(np.array(array)).to(dtype)


def f64(value: torch.Tensor) -> torch.Tensor:
    """The same values in float64 (exact for float32 inputs), for the reference."""
    return value.detach().to(torch.float64)


def expect_tensor(
    got: Any,
    expected: Any,
    *,
    rtol: float,
    atol: float,
    what: str,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """``got`` must be a floating torch tensor (of ``dtype`` if given), of ``expected``'s shape, close."""
    if not isinstance(got, torch.Tensor):
        raise Fail(f"{what} doit être un tenseur torch (torch.Tensor), pas {describe(got)}")
    if dtype is not None and got.dtype != dtype:
        raise Fail(f"{what} a le type {got.dtype}, le type attendu est {dtype}")
    if not got.is_floating_point():
        raise Fail(f"{what} a le type {got.dtype}, un type flottant est attendu")
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().to(torch.float64).numpy()
    expect_array(
        got.numpy().astype(np.float64),
        np.asarray(expected, dtype=np.float64),
        rtol=rtol,
        atol=atol,
        what=what,
    )
    return got


def expect_tensor_scalar(got: Any, what: str) -> float:
    """``got`` must be a torch tensor holding one floating value (a loss); returns it."""
    if not isinstance(got, torch.Tensor):
        raise Fail(f"{what} doit être un tenseur torch (pour pouvoir appeler backward), pas {describe(got)}")
    if got.numel() != 1:
        raise Fail(f"{what} doit être un tenseur à une seule valeur (un scalaire), pas {describe(got)}")
    if not got.is_floating_point():
        raise Fail(f"{what} a le type {got.dtype}, un type flottant est attendu")
    value = float(got.reshape(()))
    if not np.isfinite(value):
        raise Fail(f"{what} : valeur non finie (nan ou inf)")
    return value


def real_number(got: Any, what: str) -> float:
    """``got`` must be a finite real number (Python or NumPy scalar, or a 0-d array); returns it."""
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got[()]
    if type(got) not in (float, int) and not isinstance(got, np.floating | np.integer):
        raise Fail(f"{what} doit être un nombre réel, pas {describe(got)}")
    value = float(got)
    if not np.isfinite(value):
        raise Fail(f"{what} : valeur non finie (nan ou inf)")
    return value


def judge_side(function: Any) -> Any:
    """The judge's own copy of a :class:`~tpgrade.wire.codec.PyFunction` (trusted source written here)."""
    namespace: dict[str, Any] = {"np": np}
    exec(compile(function.source, f"<{function.name}>", "exec"), namespace)
    return namespace[function.name]
