"""Hidden graders of ``mlp_backward``: exact gradients of the mean cross-entropy.

The cache comes from the student's own ``mlp_forward_cache`` and is handed
back unchanged. The expected gradients are the reference's, which equal
torch.autograd's in float64 (checked by the test suite).

Tolerance: the contract asks for 1e-8 relative. Gradients are sums of at most
N * max(h, k) float64 products, accurate to ~1e-15 relative to the size of the
gradient; a single element may be close to 0 through cancellation, so the
per-element bound is rtol = 1e-8 plus atol = 1e-8 times the largest element of
that gradient. Classic slips (no 1/N, transposed W, no ReLU mask, double mean)
are off by O(1).
"""

import numpy as np

from tpgrade.grader import expect_array, expect_dict, expect_tuple, question, reference

ref = reference("day2")

RTOL = 1e-8
KEYS = ("W1", "b1", "W2", "b2")


def random_problem(rng, n, d, h, k):
    params = {
        "W1": rng.normal(scale=np.sqrt(2.0 / d), size=(h, d)),
        "b1": rng.normal(scale=0.2, size=h),
        "W2": rng.normal(scale=np.sqrt(1.0 / h), size=(k, h)),
        "b2": rng.normal(scale=0.2, size=k),
    }
    X = rng.normal(size=(n, d))
    y = rng.integers(0, k, size=n)
    return X, y, params


def check(student, X, y, params, what):
    out = expect_tuple(
        student.mlp_forward_cache(X, params), 2, what="le résultat de mlp_forward_cache (logits, cache)"
    )
    grads = expect_dict(student.mlp_backward(y, params, out[1]), KEYS, what="le résultat de mlp_backward")
    _, cache = ref.mlp_forward_cache(X, params)
    expected = ref.mlp_backward(y, params, cache)
    for key in KEYS:
        scale = float(np.max(np.abs(expected[key])))
        expect_array(
            grads[key], expected[key], rtol=RTOL, atol=RTOL * scale, what=f"le gradient {key} ({what})"
        )


@question("mlp_backward", points=1.0, numpy_only=True)
def test_batch(student, rng):
    X, y, params = random_problem(rng, 9, 5, 7, 3)
    check(student, X, y, params, "lot de 9 exemples")


@question("mlp_backward", points=0.5, numpy_only=True)
def test_single_example(student, rng):
    X, y, params = random_problem(rng, 1, 4, 6, 3)
    check(student, X, y, params, "un seul exemple")


@question("mlp_backward", points=1.0, numpy_only=True)
def test_non_square_shapes(student, rng):
    X, y, params = random_problem(rng, 6, 3, 11, 5)
    check(student, X, y, params, "d=3, h=11, k=5")
    X, y, params = random_problem(rng, 12, 8, 2, 4)
    check(student, X, y, params, "d=8, h=2, k=4")


@question("mlp_backward", points=0.5, numpy_only=True)
def test_every_label_and_dead_units(student, rng):
    # Every class appears; a third of the hidden units are off for every input
    # (large negative bias): their gradients must be exactly those of autograd.
    n, d, h, k = 10, 4, 9, 4
    X, _, params = random_problem(rng, n, d, h, k)
    y = np.concatenate([np.arange(k), rng.integers(0, k, size=n - k)])
    params["b1"][: h // 3] = -50.0
    check(student, X, y, params, "toutes les classes, unités cachées éteintes")
