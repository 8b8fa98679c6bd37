"""Hidden graders of ``mlp_forward``: logits ``relu(X W1ᵀ + b1) W2ᵀ + b2``, NumPy only.

Tolerance: two float64 matrix products of length <= 40 accumulate round-off
~1e-15 relative to the size of the terms, which is that of the logits here,
so rtol = 1e-10 and an atol of 1e-10 times the largest logit keep a margin of
1e4 whatever the summation order. Forgetting the ReLU, putting it on the
logits, adding b1 after it or forgetting a transpose are off by O(1) (or fail
on the shapes, which are never square here).
"""

import numpy as np

from tpgrade.grader import expect_array, question, reference

ref = reference("day1")

RTOL = 1e-10


def random_weights(rng, d, h, k):
    return (
        rng.normal(scale=1.0 / np.sqrt(d), size=(h, d)),
        rng.normal(scale=0.3, size=h),
        rng.normal(scale=1.0 / np.sqrt(h), size=(k, h)),
        rng.normal(scale=0.3, size=k),
    )


def check(student, X, weights, what):
    expected = ref.mlp_forward(X, *weights)
    scale = float(np.max(np.abs(expected)))
    expect_array(
        student.mlp_forward(X, *weights), expected, rtol=RTOL, atol=RTOL * scale, what=f"les logits ({what})"
    )


@question("mlp_forward", points=0.5, numpy_only=True)
def test_batch(student, rng):
    check(student, rng.normal(size=(8, 5)), random_weights(rng, 5, 7, 3), "N=8, d=5, h=7, k=3")


@question("mlp_forward", points=0.5, numpy_only=True)
def test_single_example(student, rng):
    check(student, rng.normal(size=(1, 6)), random_weights(rng, 6, 4, 10), "un seul exemple")


@question("mlp_forward", points=0.5, numpy_only=True)
def test_other_shapes(student, rng):
    check(student, rng.normal(size=(5, 3)), random_weights(rng, 3, 12, 10), "d=3, h=12, k=10")
    check(student, rng.normal(size=(9, 40)), random_weights(rng, 40, 16, 1), "une seule sortie, k=1")


@question("mlp_forward", points=0.5, numpy_only=True)
def test_relu_is_used(student, rng):
    # Most hidden units are switched off by negative biases, two are on, and
    # the output biases are negative: the ReLU must be on the hidden layer only.
    W1, b1, W2, _ = random_weights(rng, 4, 8, 3)
    b1 = rng.uniform(-3.0, -1.0, size=8)
    b1[:2] = rng.uniform(1.0, 3.0, size=2)
    b2 = rng.uniform(-3.0, -1.0, size=3)
    check(student, rng.normal(size=(6, 4)), (W1, b1, W2, b2), "avec des unités cachées inactives")
