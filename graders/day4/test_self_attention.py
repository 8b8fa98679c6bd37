"""Hidden graders of ``self_attention``: ``A = softmax(Q Kᵀ / sqrt(d_k))``, ``Y = A V``.

Returns ``(Y, A)``. ``X`` is ``(n, d_model)`` or batched ``(B, n, d_model)``;
``W_q, W_k`` are ``(d_k, d_model)``, ``W_v`` is ``(d_v, d_model)``. Where
``mask[i, j]`` is True, j is hidden from i: weight exactly 0, and the row
still sums to 1. No ready-made attention function (checked on the source).

Expected values come from the reference, which equals
``torch.nn.functional.scaled_dot_product_attention`` in float64 (checked by
the test suite). Tolerance: scores are sums of d_k <= 16 products of O(1)
terms and the softmax is exact to a few ulps per weight, so Y and A are
accurate to ~1e-14; rtol = 1e-9 with atol = 1e-11 leaves a margin of 100 at
least. The dimensions are chosen so that d_k != d_model (a division by
sqrt(d_model) is caught) and the scores are O(1) to O(5), so that a missing
or wrong scale changes the weights by ~0.1 or more; a softmax over the wrong
axis, a mask applied after the softmax (rows no longer sum to 1) or inverted,
and ``K.T`` on a batch (which reverses every axis) are off by O(1).
"""

import numpy as np
import torch

from tpgrade.grader import PyFunction, expect, expect_array, expect_tuple, question, reference

ref = reference("day4")

FORBIDDEN = (
    "scaled_dot_product_attention",
    "MultiheadAttention",
    "multi_head_attention_forward",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
)
RTOL, ATOL = 1e-9, 1e-11

GRADIENT_PROBE = PyFunction(
    "def attention_gradients(X, W_q, W_k, W_v, mask, G_y, G_a):\n"
    "    import torch\n"
    "    leaves = [t.clone().requires_grad_(True) for t in (X, W_q, W_k, W_v)]\n"
    "    Y, A = submission['self_attention'](*leaves, mask=mask)\n"
    "    loss = torch.sum(Y * G_y) + torch.sum(A * G_a)\n"
    "    return tuple(trusted.grad(loss, leaves, allow_unused=True))\n",
    "attention_gradients",
)


def tensor_values(got, like, what):
    """``got`` must be a tensor of the dtype of the inputs; its values as an ndarray."""
    expect(
        isinstance(got, torch.Tensor),
        f"{what} doit être un torch.Tensor, pas un objet de type {type(got).__name__}",
    )
    expect(
        got.dtype == like.dtype,
        f"{what} a le type {got.dtype} ; il doit garder celui des entrées ({like.dtype})",
    )
    return got.numpy()


def weights(rng, shape_x, d_k, d_v, scale=1.0):
    d_model = shape_x[-1]
    X = torch.tensor(rng.normal(size=shape_x))
    W_q = torch.tensor(rng.normal(scale=scale, size=(d_k, d_model)))
    W_k = torch.tensor(rng.normal(scale=scale, size=(d_k, d_model)))
    W_v = torch.tensor(rng.normal(size=(d_v, d_model)))
    return X, W_q, W_k, W_v


def check(student, X, W_q, W_k, W_v, what, mask=None):
    kwargs = {} if mask is None else {"mask": mask}
    expected_y, expected_a = ref.self_attention(X, W_q, W_k, W_v, **kwargs)
    got = expect_tuple(
        student.self_attention(X, W_q, W_k, W_v, **kwargs), 2, what="le résultat de self_attention (Y, A)"
    )
    expect_array(
        tensor_values(got[1], X, "les poids d'attention A"),
        expected_a.numpy(),
        rtol=RTOL,
        atol=ATOL,
        what=f"les poids d'attention A ({what})",
    )
    expect_array(
        tensor_values(got[0], X, "la sortie Y"),
        expected_y.numpy(),
        rtol=RTOL,
        atol=ATOL,
        what=f"la sortie Y ({what})",
    )


def causal_mask(n):
    """True above the diagonal: position i does not see the positions after it."""
    return torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)


def random_mask(rng, n):
    """Hides about half of the pairs, never a whole row."""
    hidden = rng.random((n, n)) < 0.5
    hidden[np.arange(n), rng.integers(0, n, size=n)] = False
    return torch.tensor(hidden)


@question("self_attention", points=0.75, forbid=FORBIDDEN)
def test_single_sequence(student, rng):
    # Scale 0.8 on W_q, W_k with d_model = 6: scores of a few units.
    check(student, *weights(rng, (5, 6), d_k=3, d_v=4, scale=0.8), "n=5, d_model=6, d_k=3, d_v=4")
    check(student, *weights(rng, (7, 4), d_k=16, d_v=2, scale=0.5), "n=7, d_model=4, d_k=16, d_v=2")


@question("self_attention", points=0.75, forbid=FORBIDDEN)
def test_batched(student, rng):
    check(student, *weights(rng, (3, 4, 5), d_k=2, d_v=3, scale=0.8), "lot de 3 séquences, n=4, d_model=5")
    check(student, *weights(rng, (1, 6, 3), d_k=5, d_v=5, scale=0.8), "lot d'une séquence, n=6, d_model=3")


@question("self_attention", points=0.5, forbid=FORBIDDEN)
def test_causal_mask(student, rng):
    check(student, *weights(rng, (6, 4), d_k=3, d_v=2, scale=0.8), "masque causal", mask=causal_mask(6))
    check(
        student,
        *weights(rng, (2, 5, 4), d_k=2, d_v=3, scale=0.8),
        "masque causal, par lot",
        mask=causal_mask(5),
    )


@question("self_attention", points=0.5, forbid=FORBIDDEN)
def test_random_mask(student, rng):
    check(
        student, *weights(rng, (7, 5), d_k=4, d_v=3, scale=0.8), "masque quelconque", mask=random_mask(rng, 7)
    )
    check(
        student,
        *weights(rng, (2, 6, 3), d_k=3, d_v=2, scale=0.8),
        "masque quelconque, par lot",
        mask=random_mask(rng, 6),
    )


@question("self_attention", points=0.25, forbid=FORBIDDEN)
def test_single_position(student, rng):
    # One position attends to itself only: A = [[1]] and Y = V.
    check(student, *weights(rng, (1, 4), d_k=2, d_v=3), "une seule position")


@question("self_attention", points=0.25, forbid=FORBIDDEN)
def test_gradients(student, rng):
    # Autograd through the student's function, in their process. Gradients are
    # smooth functions of the inputs computed to ~1e-14 like the values.
    X, W_q, W_k, W_v = weights(rng, (2, 5, 4), d_k=3, d_v=2, scale=0.8)
    mask = causal_mask(5)
    G_y, G_a = torch.tensor(rng.normal(size=(2, 5, 2))), torch.tensor(rng.normal(size=(2, 5, 5)))
    leaves = [t.clone().requires_grad_(True) for t in (X, W_q, W_k, W_v)]
    Y, A = ref.self_attention(*leaves, mask=mask)
    (torch.sum(Y * G_y) + torch.sum(A * G_a)).backward()
    got = expect_tuple(student.run(GRADIENT_PROBE, X, W_q, W_k, W_v, mask, G_y, G_a), 4, what="les gradients")
    for name, grad, leaf in zip(("X", "W_q", "W_k", "W_v"), got, leaves, strict=True):
        expect(
            grad is not None,
            f"aucun gradient n'atteint {name} : le calcul doit rester dans le graphe de calcul de torch",
        )
        scale = float(leaf.grad.abs().max())
        expect_array(
            tensor_values(grad, X, f"le gradient par rapport à {name}"),
            leaf.grad.numpy(),
            rtol=RTOL,
            atol=RTOL * scale,
            what=f"le gradient par rapport à {name}",
        )
