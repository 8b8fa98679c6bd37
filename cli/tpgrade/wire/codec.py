"""Plain-data encoding of values that cross the trust boundary.

Both sides use it: the runner encodes what student code returns, the judge
encodes the inputs it sends. Only JSON types travel; arrays travel as the
bytes of a ``.npy`` file (base64), read back without pickle, their header
checked before any memory is allocated. Values that cannot be data (a cache, an optimiser
state, a module) stay in the runner and travel as a reference ``{"$ref": n}``
that the judge can hand back unchanged.

This module imports only the standard library and NumPy: it runs inside the
sandbox, where nothing of the judge is available.
"""

from __future__ import annotations

import base64
import io
import math

# Bound at import: student code, which runs in this process later, may patch the builtins.
from builtins import all, any, bool, dict, float, hasattr, int, isinstance, len, list, repr, str, tuple, type  # noqa: UP029
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tpgrade.wire.messages import valid_text

MAX_DEPTH = 32
MAX_ARRAY_BYTES = 256 << 20
MAX_DIMENSIONS = 32
INT_BOUND = 1 << 63  # integers outside int64 are refused: no grader asks for one
_ALLOWED_KINDS = "biufc"


class CodecError(ValueError):
    """A value that cannot be encoded, or encoded data that is malformed."""


@dataclass(frozen=True)
class Ref:
    """A value that stays in the runner; the judge holds only its number."""

    id: int
    type_name: str = "object"


@dataclass(frozen=True)
class PyFunction:
    """A small judge-written function sent as source (e.g. the ``f`` of a
    numerical gradient); the runner compiles it in a fresh namespace."""

    source: str
    name: str


def _array_to_b64(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _b64_to_array(text: str) -> np.ndarray:
    """The array in a base64 ``.npy``, its header checked before anything is allocated."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise CodecError("malformed array (base64)") from None
    if len(raw) > MAX_ARRAY_BYTES + 4096:
        raise CodecError("array too large")
    stream = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise CodecError(f"unsupported .npy version {version}")
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:
        raise CodecError(f"malformed array: {str(exc)[:200]}") from None
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise CodecError("unsupported array type")
    if dtype.kind not in _ALLOWED_KINDS:
        raise CodecError(f"unsupported dtype {dtype}")
    if len(shape) > MAX_DIMENSIONS or any(type(n) is not int or n < 0 for n in shape):
        raise CodecError("malformed array shape")
    count = math.prod(shape)
    if count * dtype.itemsize > MAX_ARRAY_BYTES:
        raise CodecError("array too large")
    if len(raw) - stream.tell() != count * dtype.itemsize:
        raise CodecError("malformed array: its data does not match its shape")
    flat = np.frombuffer(raw, dtype=dtype, count=count, offset=stream.tell())
    return flat.reshape(shape, order="F" if fortran else "C").copy()


def _plain_array(value: Any) -> np.ndarray:
    """A base-class, in-memory copy: subclasses and lazy duck arrays do not survive."""
    array = np.array(value, copy=True, subok=False)
    if array.dtype.kind not in _ALLOWED_KINDS:
        raise CodecError(f"unsupported dtype {array.dtype}")
    if array.nbytes > MAX_ARRAY_BYTES:
        raise CodecError("array too large")
    return array


def _encode_tensor(value: Any) -> dict[str, Any]:
    detached = value.detach().cpu()
    return {
        "$npy": _array_to_b64(_plain_array(detached.numpy())),
        "tensor": True,
        "requires_grad": bool(value.requires_grad),
    }


def _is_tensor(value: Any) -> bool:
    module = type(value).__module__
    return module.startswith("torch") and hasattr(value, "detach")


def encode(value: Any, store: Callable[[Any], Ref] | None = None, depth: int = 0) -> Any:
    """Encode ``value`` as JSON-compatible data.

    ``store`` keeps a value that is not data and returns its reference; without
    it, such a value raises :class:`CodecError`.
    """
    if depth > MAX_DEPTH:
        raise CodecError("value nested too deeply")
    kind = type(value)
    if kind is int and not -INT_BOUND <= value < INT_BOUND:
        raise CodecError("integer too large (beyond 64 bits)")
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind is Ref:
        return {"$ref": value.id, "type": value.type_name}
    if kind is PyFunction:
        return {"$pyfunc": value.source, "name": value.name}
    if kind is list:
        return [encode(item, store, depth + 1) for item in value]
    if kind is tuple:
        return {"$tuple": [encode(item, store, depth + 1) for item in value]}
    if kind is dict and all(type(key) is str for key in value):
        return {"$dict": [[key, encode(item, store, depth + 1)] for key, item in value.items()]}
    if isinstance(value, np.ndarray) and value.dtype.kind in _ALLOWED_KINDS:
        return {"$npy": _array_to_b64(_plain_array(value))}
    if isinstance(value, np.generic) and value.dtype.kind in _ALLOWED_KINDS:
        return {"$npy": _array_to_b64(_plain_array(value)), "scalar": True}
    if _is_tensor(value):
        return _encode_tensor(value)
    if store is None:
        raise CodecError(f"cannot send a value of type {kind.__name__}")
    return encode(store(value), None, depth)


def _decode_npy(data: dict[str, Any], tensor_factory: Callable[[np.ndarray], Any] | None) -> Any:
    array = _b64_to_array(data["$npy"])
    if data.get("scalar"):
        if array.ndim != 0:
            raise CodecError("scalar with a shape")
        return array[()]
    if data.get("tensor") and tensor_factory is not None:
        return tensor_factory(array)
    return array


def decode(
    data: Any,
    resolve: Callable[[int], Any] | None = None,
    tensor_factory: Callable[[np.ndarray], Any] | None = None,
    compile_function: Callable[[str, str], Any] | None = None,
    depth: int = 0,
) -> Any:
    """Decode data made by :func:`encode`.

    ``resolve`` turns a reference back into the value it names (runner side);
    without it references decode to :class:`Ref`. ``tensor_factory`` turns
    tensor arrays into tensors; without it they stay arrays.
    """
    if depth > MAX_DEPTH:
        raise CodecError("value nested too deeply")

    def again(item: Any) -> Any:
        return decode(item, resolve, tensor_factory, compile_function, depth + 1)

    if type(data) is int and not -INT_BOUND <= data < INT_BOUND:
        raise CodecError("integer too large")
    if type(data) is str:
        return valid_text(data)
    if data is None or type(data) in (bool, int, float):
        return data
    if type(data) is list:
        return [again(item) for item in data]
    if type(data) is not dict or len(data) == 0:
        raise CodecError("malformed value")
    if "$npy" in data:
        return _decode_npy(data, tensor_factory)
    if "$tuple" in data:
        return tuple(again(item) for item in _as_list(data["$tuple"]))
    if "$dict" in data:
        pairs = _as_list(data["$dict"])
        if not all(type(pair) is list and len(pair) == 2 and type(pair[0]) is str for pair in pairs):
            raise CodecError("malformed dict")
        return {pair[0]: again(pair[1]) for pair in pairs}
    if "$float" in data:
        if data["$float"] not in ("nan", "inf", "-inf"):
            raise CodecError("malformed float")
        return float(data["$float"])
    if "$ref" in data and type(data["$ref"]) is int:
        if resolve is not None:
            return resolve(data["$ref"])
        return Ref(data["$ref"], str(data.get("type", "object"))[:80])
    if "$pyfunc" in data and compile_function is not None:
        return compile_function(str(data["$pyfunc"]), str(data["name"]))
    raise CodecError("malformed value")


def _as_list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise CodecError("malformed value")
    return value
