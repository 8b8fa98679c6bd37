"""The "NumPy only" rule, checked on source text."""

from __future__ import annotations

import pytest

from tpgrade.sourcecheck import SubmissionSource

CLEAN = """
import numpy as np
import torch

def helper(z):
    return np.exp(z)

def softmax(Z):
    e = helper(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)

def other():
    return torch.zeros(3)
"""


def violations(source: str, name: str = "softmax") -> list[str]:
    return SubmissionSource((source,)).numpy_only_violations(name)


def test_numpy_function_with_numpy_helper_passes_even_if_others_use_torch() -> None:
    assert violations(CLEAN) == []


@pytest.mark.parametrize(
    "body",
    [
        "    import torch\n    return torch.softmax(torch.tensor(Z), 1).numpy()",
        "    return T.softmax(T.tensor(Z), 1).numpy()",
        "    return F.softmax(Z)",
        "    return helper_torch(Z)",
        "    t = __import__('torch')\n    return Z",
        "    import importlib\n    return importlib.import_module('jax').numpy.exp(Z)",
        "    import sys\n    return sys.modules['torch'].softmax(Z)",
        "    from jax import numpy as jnp\n    return jnp.exp(Z)",
        "    return eval('torch').softmax(Z)",
    ],
)
def test_every_way_to_reach_an_autograd_library_is_caught(body: str) -> None:
    source = (
        "import torch as T\nimport torch.nn.functional as F\n"
        "def helper_torch(Z):\n    return T.exp(Z)\n"
        f"def softmax(Z):\n{body}\n"
    )
    assert violations(source), body


def test_helper_defined_in_another_cell_is_followed() -> None:
    cells = (
        "import torch\n",
        "def helper(z):\n    return torch.exp(z)\n",
        "def softmax(Z):\n    return helper(Z)\n",
    )
    problems = SubmissionSource(cells).numpy_only_violations("softmax")
    assert problems and "helper" in problems[0]


def test_unparsable_cells_are_ignored_and_missing_function_has_no_violation() -> None:
    source = SubmissionSource(("def broken(:\n", CLEAN))
    assert source.numpy_only_violations("softmax") == []
    assert source.numpy_only_violations("absent") == []


def test_forbidden_names_are_caught_in_the_function_and_its_helpers() -> None:
    source = SubmissionSource(
        (
            "import torch.nn.functional as F\nfrom torch.nn.functional import scaled_dot_product_attention as sdpa\n",
            "def attend(q, k, v):\n    return F.scaled_dot_product_attention(q, k, v)\n",
            "def self_attention(X):\n    return attend(X, X, X)\n",
            "def manual(X):\n    return (X @ X.T).softmax(-1) @ X\n",
        )
    )
    forbidden = ("scaled_dot_product_attention", "MultiheadAttention")
    assert source.forbidden_name_violations("self_attention", forbidden)
    assert source.forbidden_name_violations("manual", forbidden) == []


def test_forbidden_name_under_an_alias_is_caught() -> None:
    source = SubmissionSource(
        (
            "from torch.nn.functional import scaled_dot_product_attention as sdpa\nimport torch\nattn = torch.nn.functional.scaled_dot_product_attention\n",
            "def self_attention(X):\n    return sdpa(X, X, X)\n",
            "def other(X):\n    return attn(X, X, X)\n",
        )
    )
    assert source.forbidden_name_violations("self_attention", ("scaled_dot_product_attention",))
    assert source.forbidden_name_violations("other", ("scaled_dot_product_attention",))


def test_parameters_and_locals_shadow_module_level_torch_names() -> None:
    cells = (
        "import torch\nlogits = torch.zeros(3)\ncurves = {}\nfor lr in (0.1, 0.01):\n    curves[lr] = torch.ones(2)\n",
        "def cross_entropy(logits, y):\n    return -logits[range(len(y)), y].mean()\n",
        "def train(X, y, lr):\n    step = lr * 2\n    return step\n",
        "def leaky(X):\n    return logits + X\n",
    )
    source = SubmissionSource(cells)
    assert source.numpy_only_violations("cross_entropy") == []
    assert source.numpy_only_violations("train") == []
    assert source.numpy_only_violations("leaky")  # the module-level torch value itself


def test_a_local_assigned_from_a_forbidden_call_bans_nothing_elsewhere() -> None:
    source = SubmissionSource(
        (
            "def cheat(X, A):\n    layer = SAGEConv(4, 4)\n    return layer(X, A)\n",
            "def GNN(X, A):\n    layer = X @ A\n    return layer\n",
            "Y = F.scaled_dot_product_attention(q, k, v)\n",
            "def self_attention(X):\n    Y = X @ X.T\n    return Y\n",
        )
    )
    assert source.forbidden_name_violations("cheat", ("SAGEConv",))
    assert source.forbidden_name_violations("GNN", ("SAGEConv",)) == []
    assert source.forbidden_name_violations("self_attention", ("scaled_dot_product_attention",)) == []
