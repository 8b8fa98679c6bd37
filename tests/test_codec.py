"""The plain-data codec: what crosses the trust boundary, and what cannot."""

from __future__ import annotations

import base64
import io
import math

import numpy as np
import pytest
import torch

from tpgrade.wire import codec
from tpgrade.wire.codec import CodecError, Ref


def roundtrip(value: object) -> object:
    return codec.decode(codec.encode(value))


def test_plain_values_roundtrip_with_their_types() -> None:
    value = {"a": [1, 2.5, None, True, "x"], "t": (np.arange(6.0).reshape(2, 3), np.int64(4))}
    back = roundtrip(value)
    assert isinstance(back, dict) and isinstance(back["t"], tuple)
    np.testing.assert_array_equal(back["t"][0], value["t"][0])
    assert back["t"][1] == 4 and isinstance(back["t"][1], np.integer)
    assert back["a"] == [1, 2.5, None, True, "x"]


def test_non_finite_floats_survive() -> None:
    back = roundtrip([math.nan, math.inf, -math.inf])
    assert isinstance(back, list)
    assert math.isnan(back[0]) and back[1] == math.inf and back[2] == -math.inf


def test_array_subclass_becomes_a_plain_array() -> None:
    class Sneaky(np.ndarray):
        def __eq__(self, other: object) -> bool:
            return True

    sneaky = np.zeros(3).view(Sneaky)
    back = roundtrip(sneaky)
    assert type(back) is np.ndarray


def test_object_without_a_data_form_is_kept_or_refused() -> None:
    class AlwaysEqual:
        def __eq__(self, other: object) -> bool:
            return True

    with pytest.raises(CodecError):
        codec.encode(AlwaysEqual())
    kept: list[object] = []

    def store(value: object) -> Ref:
        kept.append(value)
        return Ref(7, type(value).__name__)

    assert codec.decode(codec.encode(AlwaysEqual(), store)) == Ref(7, "AlwaysEqual")


def test_object_arrays_and_pickles_are_refused() -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    forged = {"$npy": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(CodecError):
        codec.decode(forged)
    with pytest.raises(CodecError):
        codec.encode(np.array([object()], dtype=object))


@pytest.mark.parametrize("data", [{"$npy": "not base64!"}, {"$float": "1e308"}, {"x": 1}, {}, {"$tuple": 3}])
def test_malformed_data_is_refused(data: object) -> None:
    with pytest.raises((CodecError, ValueError)):
        codec.decode(data)


def test_deep_nesting_is_refused() -> None:
    data: object = 1
    for _ in range(100):
        data = [data]
    with pytest.raises(CodecError):
        codec.decode(data)


def test_tensors_travel_as_arrays_and_come_back_as_tensors() -> None:
    tensor = torch.arange(4.0, requires_grad=True) * 2
    data = codec.encode(tensor)
    back = codec.decode(data, tensor_factory=torch.from_numpy)
    assert isinstance(back, torch.Tensor) and torch.equal(back, tensor.detach())
    assert type(codec.decode(data)) is np.ndarray
