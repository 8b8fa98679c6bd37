"""The "NumPy only" rule, checked on source text."""

from __future__ import annotations

import pytest

from tpgrade.judge.sourcecheck import SubmissionSource

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
    # A cell that does not compile binds nothing (the runner cannot run it either).
    source = SubmissionSource(("def broken(:\n", "def softmax(Z:\n    import torch\n", CLEAN))
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


# --- The object actually graded ------------------------------------------------------

TORCH_BACKWARD = """
import torch

def torch_backward(y, params, cache):
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    return {k: t.grad for k, t in tensors.items()}
"""
NUMPY_BACKWARD = "def mlp_backward(y, params, cache):\n    return {k: 0 * v for k, v in params.items()}\n"


def backward_violations(*cells: str) -> list[str]:
    return SubmissionSource(cells).numpy_only_violations("mlp_backward")


@pytest.mark.parametrize(
    "cells",
    [
        # Bound by an assignment, a closure, a class, a partial, an import.
        (TORCH_BACKWARD, "mlp_backward = torch_backward\n"),
        (TORCH_BACKWARD, "def make():\n    return torch_backward\nmlp_backward = make()\n"),
        (
            "def make():\n    import torch\n    def inner(y, params, cache):\n        return torch.ones(1)\n    return inner\n",
            "mlp_backward = make()\n",
        ),
        (
            TORCH_BACKWARD,
            "class B:\n    def __call__(self, y, params, cache):\n        return torch_backward(y, params, cache)\n",
            "mlp_backward = B()\n",
        ),
        (
            "import torch\nclass mlp_backward:\n    def __init__(self, y, params, cache):\n        torch.ones(1)\n",
        ),
        (TORCH_BACKWARD, "import functools\nmlp_backward = functools.partial(torch_backward)\n"),
        ("from torch.autograd import grad as mlp_backward\n",),
        # Rebound after the checked def: later in the cell, in a later cell, under if/try/with/for.
        (NUMPY_BACKWARD + TORCH_BACKWARD + "mlp_backward = torch_backward\n",),
        (
            NUMPY_BACKWARD,
            TORCH_BACKWARD,
            "def mlp_backward(y, params, cache):\n    return torch_backward(y, params, cache)\n",
        ),
        (NUMPY_BACKWARD, TORCH_BACKWARD, "if True:\n    mlp_backward = torch_backward\n"),
        (
            NUMPY_BACKWARD,
            TORCH_BACKWARD,
            "try:\n    mlp_backward = torch_backward\nexcept Exception:\n    pass\n",
        ),
        (NUMPY_BACKWARD, TORCH_BACKWARD, "for mlp_backward in [torch_backward]:\n    pass\n"),
        (
            NUMPY_BACKWARD,
            TORCH_BACKWARD,
            "import contextlib\nwith contextlib.nullcontext(torch_backward) as mlp_backward:\n    pass\n",
        ),
        (NUMPY_BACKWARD, TORCH_BACKWARD, "print(mlp_backward := torch_backward)\n"),
        (NUMPY_BACKWARD, TORCH_BACKWARD, "[(mlp_backward := f) for f in [torch_backward]]\n"),
        (NUMPY_BACKWARD, TORCH_BACKWARD, "mlp_backward += torch_backward\n"),
        (NUMPY_BACKWARD, TORCH_BACKWARD, "del mlp_backward\nif True:\n    mlp_backward = torch_backward\n"),
        (
            NUMPY_BACKWARD,
            TORCH_BACKWARD,
            "def install():\n    global mlp_backward\n    mlp_backward = torch_backward\ninstall()\n",
        ),
        # torch received through defaults, decorators, lambdas.
        ("import torch\ndef mlp_backward(y, params, cache, torch=torch):\n    return torch.ones(1)\n",),
        ("def mlp_backward(y, params, cache, _t=__import__('torch')):\n    return _t.ones(1)\n",),
        (TORCH_BACKWARD, "def wrap(f):\n    return torch_backward\n@wrap\n" + NUMPY_BACKWARD),
        ("import torch as T\nmlp_backward = lambda y, params, cache: T.ones(1)\n",),
        # Out of sight: names rebound through globals(), exec, a function's code.
        (NUMPY_BACKWARD, TORCH_BACKWARD, "globals()['mlp_backward'] = torch_backward\n"),
        (NUMPY_BACKWARD, TORCH_BACKWARD, "mlp_backward.__code__ = torch_backward.__code__\n"),
        (NUMPY_BACKWARD, "from torch import *\n"),
        (TORCH_BACKWARD, "setattr(__import__('__main__'), 'mlp_backward', torch_backward)\n"),
        (TORCH_BACKWARD, "from sys import modules\nmodules[__name__].mlp_backward = torch_backward\n"),
        # Reached through values it reads: a dict filled later, a patched NumPy.
        (
            TORCH_BACKWARD,
            "helpers = {}\nhelpers['bw'] = torch_backward\n",
            "def mlp_backward(y, params, cache):\n    return helpers['bw'](y, params, cache)\n",
        ),
        (
            TORCH_BACKWARD,
            "import numpy as np2\nnp2.negative = torch_backward\n",
            "import numpy as np\ndef mlp_backward(y, params, cache):\n    return np.negative(params)\n",
        ),
        # An earlier torch definition, the clean one after a statement that may fail first.
        (TORCH_BACKWARD + "mlp_backward = torch_backward\n", "1 / 0\n" + NUMPY_BACKWARD),
    ],
)
def test_every_binding_that_may_be_graded_is_checked(cells: tuple[str, ...]) -> None:
    assert backward_violations(*cells), cells


def test_a_clean_definition_alone_in_its_cell_replaces_an_earlier_draft() -> None:
    # The notebook's layout: each graded function alone in its cell, which runs for sure.
    assert backward_violations(TORCH_BACKWARD, "mlp_backward = torch_backward\n", NUMPY_BACKWARD) == []
    assert (
        backward_violations(TORCH_BACKWARD, '"""Rétropropagation."""\nimport numpy as np\n' + NUMPY_BACKWARD)
        == []
    )


def test_honest_neighbours_do_not_make_a_numpy_function_suspect() -> None:
    cells = (
        "import numpy as np\nimport torch\nimport matplotlib.pyplot as plt\nnp.random.seed(0)\n",
        "torch.backends.cudnn.deterministic = True\nplt.rcParams['figure.figsize'] = (8, 4)\n",
        "class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        for m in self.modules():\n            setattr(self, 'x', 1)\n",
        "results = []\nfor lr in (0.1, 0.01):\n    results.append(torch.ones(2) * lr)\n",
        "def softmax(Z):\n    e = np.exp(Z - Z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)\n",
        "np.save('out.npy', torch.ones(2).numpy())\nprobs = softmax(torch.zeros(2, 2).numpy())\n",
    )
    assert SubmissionSource(cells).numpy_only_violations("softmax") == []


def test_messages_say_where_and_why() -> None:
    problems = backward_violations(
        NUMPY_BACKWARD, TORCH_BACKWARD, "if True:\n    mlp_backward = torch_backward\n"
    )
    assert any("cellule 3" in p for p in problems)
    problems = backward_violations(
        "import torch\ndef mlp_backward(y, params, cache, torch=torch):\n    return 0\n"
    )
    assert problems == ["utilisation de torch via « torch » (ligne 2) dans mlp_backward (cellule 1)"]


# --- Hostile source -------------------------------------------------------------------


DEEP = "x = " + "1 + " * 50_000 + "1\n"
TOO_MANY_MINUS = "x = " + "-" * 100_000 + "1\n"


@pytest.mark.parametrize("deep", [DEEP, TOO_MANY_MINUS, "x = " + "[" * 150 + "]" * 150 + "\n"])
def test_a_cell_too_deep_to_analyse_costs_only_what_it_could_bind(deep: str) -> None:
    source = SubmissionSource((CLEAN, deep))
    assert source.numpy_only_violations("softmax") == []
    assert source.forbidden_name_violations("softmax", ("scaled_dot_product_attention",)) == []


def test_a_cell_too_deep_to_analyse_that_names_the_function_is_not_vouched_for() -> None:
    deep = "softmax = lambda Z: " + "(" * 20 + "Z" + " + 1" * 50_000 + ")" * 20 + "\n"
    problems = SubmissionSource((CLEAN, deep)).numpy_only_violations("softmax")
    assert problems and "trop profondément imbriquée" in problems[0] and "cellule 2" in problems[0]
    # The same with an identifier spelt in another Unicode form (Python normalises it).
    deep = "ｓｏｆｔｍａｘ = " + "1 + " * 50_000 + "1\n"
    assert SubmissionSource((CLEAN, deep)).numpy_only_violations("softmax")


def test_deep_but_parsable_code_is_analysed_without_recursion() -> None:
    nested = (
        "def softmax(Z):\n    return " + "(" * 150 + "Z" + ")" * 150 + " + " + " + ".join(["Z"] * 2000) + "\n"
    )
    assert SubmissionSource((nested,)).numpy_only_violations("softmax") == []
    torchy = "import torch\ndef softmax(Z):\n    return " + " + ".join(["Z"] * 2000) + " + torch.ones(1)\n"
    assert SubmissionSource((torchy,)).numpy_only_violations("softmax")


def test_module_level_code_reads_names_as_they_are_when_it_runs() -> None:
    # A tuple built before a later, torch-using redefinition keeps the function it took
    # (the references bind their building blocks this way); one built after takes the new one.
    early = (
        "import numpy as np\ndef helper(z):\n    return np.exp(z)\n_blocks = (helper,)\n",
        "import torch\ndef helper(z):\n    return torch.exp(z)\n",
        "def softmax(Z):\n    (f,) = _blocks\n    return f(Z)\n",
    )
    assert SubmissionSource(early).numpy_only_violations("softmax") == []
    late = (early[1], early[0].replace("def helper", "def other"), early[2])
    assert SubmissionSource(late).numpy_only_violations("softmax")


def test_a_trick_in_one_function_does_not_make_the_other_numpy_functions_suspect() -> None:
    # What such code could do to mlp_backward at run time, the runner's guard sees.
    cells = (
        NUMPY_BACKWARD,
        "import gc, sys\ndef softmax(Z):\n    for thing in gc.get_objects():\n        pass\n    return sys._getframe(1).f_locals\n",
        "import builtins\nbuiltins.all = lambda *a, **k: True\n",
        "def forge():\n    exec('x = 1', globals())\n",
    )
    assert backward_violations(*cells) == []
    assert SubmissionSource(cells).numpy_only_violations("softmax")


def test_a_method_called_on_what_a_function_returns_changes_nothing_it_reads() -> None:
    # len(...).to_bytes() elsewhere, in code that uses torch, is not a change of len.
    cells = (
        "def mlp_backward(y, params, cache):\n    return {k: v * len(y) for k, v in params.items()}\n",
        "import torch\ndef encode(header):\n    return len(header).to_bytes(2, 'little') + torch.ones(1).numpy().tobytes()\n",
    )
    assert backward_violations(*cells) == []
