"""The toolkit of grader authors (hidden graders and public tests).

A grader is a pytest test that takes the ``student`` fixture (a
:class:`tpgrade.judge.student.Student`) and the seeded ``rng`` fixture, asks the
student's code for outputs on inputs it builds, computes the expected values
itself (from the reference, for hidden graders) and compares with explicit
tolerances through the ``expect_*`` helpers::

    @question("softmax", points=1, numpy_only=True)
    def test_rows(student, rng):
        Z = rng.normal(size=(4, 6))
        expect_array(student.softmax(Z), ref.softmax(Z), rtol=1e-10, atol=1e-12)

Messages of :class:`Fail` are shown to students: they say what is wrong
(shape, dtype, size of the error) and never the expected values.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from tpgrade import messages as msg
from tpgrade import paths
from tpgrade.wire.codec import PyFunction, Ref

__all__ = [
    "Fail",
    "PyFunction",
    "Ref",
    "expect",
    "expect_array",
    "expect_dict",
    "expect_scalar",
    "expect_tuple",
    "expect_unchanged",
    "question",
    "reference",
    "sibling",
]

question = pytest.mark.question
"""``@question(name, points=1.0, numpy_only=False, forbid=(), timeout=None)`` marks a graded test.

``numpy_only`` checks the "NumPy only" rule on the object graded (its source,
defaults, closure, what it reaches: :mod:`tpgrade.judge.sourcecheck`) and enforces it
during the question's calls, where any PyTorch operation forfeits the question
(:mod:`tpgrade.runner.guards`); ``forbid`` lists names the function and its
helpers must not use (``"scaled_dot_product_attention"``); ``timeout`` is the
wall-clock limit of each call to student code, in seconds.

A probe (:meth:`Student.run <tpgrade.judge.student.Student.run>`) sees ``trusted``,
the accessors captured before the student's code loaded: the tensors a module
holds (``trusted.count_tensor_values``, ``trusted.parameters``), the leaves of
an output's autograd graph (``trusted.graph_leaves``), ``trusted.grad``,
``trusted.attribute``. A probe never calls a method the student could
override to learn about the model; what the student's process could still
lie about is measured by the judge on the outputs the probe returns."""


class Fail(AssertionError):
    """A wrong answer; the message (French) is safe to show the student."""


def reference(day: str) -> ModuleType:
    """The reference solution of ``day``, imported once (judge side only)."""
    name = f"tpgrade_reference_{day}"
    if name in sys.modules:
        return sys.modules[name]
    return load_module(paths.reference_file(day), name)


def sibling(grader_file: str, name: str) -> ModuleType:
    """A helper module next to a grader file (``common = sibling(__file__, "common")``);
    graders are imported by path, so a plain ``import common`` would not find it."""
    path = Path(grader_file).with_name(f"{name}.py")
    module_name = f"tpgrade_graders_{path.parent.name}_{name}"
    return sys.modules.get(module_name) or load_module(path, module_name)


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _describe(value: Any) -> str:
    if isinstance(value, Ref):
        return f"un objet {value.type_name} (pas une donnée simple : tableau, nombre, tuple, dict...)"
    if isinstance(value, np.ndarray):
        return f"un tableau NumPy {value.dtype} de forme {value.shape}"
    return f"un objet de type {type(value).__name__}"


def expect_array(
    got: Any,
    expected: np.ndarray,
    *,
    rtol: float,
    atol: float,
    what: str = "le résultat",
    dtype_kind: str = "f",
) -> np.ndarray:
    """``got`` must be a plain ndarray of ``expected``'s shape, finite, and close.

    Closeness is per element: ``|got - expected| <= atol + rtol * |expected|``.
    """
    expected = np.asarray(expected)
    if type(got) is not np.ndarray:
        raise Fail(msg.NOT_AN_ARRAY(what=what, described=_describe(got)))
    if got.shape != expected.shape:
        raise Fail(msg.WRONG_SHAPE(what=what, shape=got.shape, wanted_shape=expected.shape))
    if got.dtype.kind not in dtype_kind and not (dtype_kind == "f" and got.dtype.kind in "iu"):
        raise Fail(msg.NOT_FLOAT(what=what, dtype=got.dtype))
    if got.dtype.kind == "f" and not np.all(np.isfinite(got)):
        raise Fail(msg.NOT_FINITE(what=what))
    gap = np.abs(got.astype(np.float64) - expected.astype(np.float64))
    bound = atol + rtol * np.abs(expected.astype(np.float64))
    wrong = gap > bound
    if np.any(wrong):
        scale = float(np.max(np.abs(expected))) or 1.0
        gap_at_scale = float(np.max(gap)) / scale
        raise Fail(msg.OUT_OF_TOLERANCE(what=what, count=int(wrong.sum()), size=got.size, gap=gap_at_scale))
    return got


def expect_scalar(got: Any, expected: float, *, rtol: float, atol: float, what: str = "le résultat") -> float:
    """``got`` must be a real number (Python or NumPy scalar, or a 0-d array) close to ``expected``."""
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got[()]
    if type(got) not in (float, int) and not isinstance(got, np.floating | np.integer):
        raise Fail(msg.NOT_A_NUMBER(what=what, described=_describe(got)))
    value = float(got)
    if not np.isfinite(value):
        raise Fail(msg.SCALAR_NOT_FINITE(what=what))
    if abs(value - expected) > atol + rtol * abs(expected):
        gap = abs(value - expected) / (abs(expected) or 1)
        raise Fail(msg.WRONG_SCALAR(what=what, gap=gap))
    return value


def expect_dict(got: Any, keys: tuple[str, ...], what: str = "le résultat") -> dict[str, Any]:
    """``got`` must be a dict with exactly ``keys``."""
    if type(got) is not dict:
        raise Fail(msg.NOT_A_DICT(what=what, described=_describe(got)))
    if set(got) != set(keys):
        raise Fail(msg.WRONG_KEYS(what=what, keys=sorted(keys), got_keys=sorted(map(str, got))))
    return got


def expect_tuple(got: Any, length: int, what: str = "le résultat") -> tuple[Any, ...]:
    """``got`` must be a tuple (or list) of ``length`` items."""
    if type(got) not in (tuple, list) or len(got) != length:
        raise Fail(msg.NOT_A_TUPLE(what=what, length=length, described=_describe(got)))
    return tuple(got)


def expect_unchanged(after: Any, before: dict[str, np.ndarray], what: str) -> None:
    """A dict of arrays read back after a call (``student.value(kept)``) is bit for bit as sent;
    ``what`` names it ("le dictionnaire params passé à sgd_step")."""
    after = expect_dict(after, tuple(before), what=what)
    for key, original in before.items():
        value = after[key]
        same = type(value) is np.ndarray and value.shape == original.shape and np.array_equal(value, original)
        if not same:
            raise Fail(msg.ARGUMENT_CHANGED(what=what, key=repr(key)))


def expect(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Fail(message)
