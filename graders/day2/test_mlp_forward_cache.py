"""Hidden graders of ``mlp_forward_cache``: the logits of the two-layer MLP, NumPy only.

Only the logits are checked (the cache is the student's own business; the
``mlp_backward`` graders use it). Tolerance: two float64 matrix products of
length <= 12 accumulate round-off ~1e-15 relative to the size of the terms,
which is that of the logits here, so rtol = 1e-10 and an atol of 1e-10 times
the largest logit keep a margin of 1e4 whatever the summation order.
"""

import numpy as np

from tpgrade.grader import expect_array, expect_tuple, question, reference

ref = reference("day2")

RTOL = 1e-10


def random_problem(rng, n, d, h, k):
    params = {
        "W1": rng.normal(scale=1.0 / np.sqrt(d), size=(h, d)),
        "b1": rng.normal(scale=0.3, size=h),
        "W2": rng.normal(scale=1.0 / np.sqrt(h), size=(k, h)),
        "b2": rng.normal(scale=0.3, size=k),
    }
    return rng.normal(size=(n, d)), params


def check(student, rng, n, d, h, k):
    X, params = random_problem(rng, n, d, h, k)
    out = expect_tuple(
        student.mlp_forward_cache(X, params), 2, what="le résultat de mlp_forward_cache (logits, cache)"
    )
    expected, _ = ref.mlp_forward_cache(X, params)
    scale = float(np.max(np.abs(expected)))
    expect_array(
        out[0], expected, rtol=RTOL, atol=RTOL * scale, what=f"les logits (N={n}, d={d}, h={h}, k={k})"
    )


@question("mlp_forward_cache", points=0.5, numpy_only=True)
def test_batch(student, rng):
    check(student, rng, 8, 5, 7, 3)


@question("mlp_forward_cache", points=0.5, numpy_only=True)
def test_single_example(student, rng):
    check(student, rng, 1, 6, 4, 3)


@question("mlp_forward_cache", points=0.5, numpy_only=True)
def test_other_shapes(student, rng):
    check(student, rng, 5, 3, 12, 10)
    check(student, rng, 4, 4, 4, 4)


@question("mlp_forward_cache", points=0.5, numpy_only=True)
def test_relu_is_used(student, rng):
    # Strongly negative hidden biases switch most units off: without the ReLU
    # (or with it in the wrong place) the logits change a lot.
    X, params = random_problem(rng, 6, 4, 8, 3)
    params["b1"] = rng.uniform(-3.0, -1.0, size=8)
    params["b1"][:2] = rng.uniform(1.0, 3.0, size=2)
    expected, _ = ref.mlp_forward_cache(X, params)
    out = expect_tuple(
        student.mlp_forward_cache(X, params), 2, what="le résultat de mlp_forward_cache (logits, cache)"
    )
    expect_array(
        out[0],
        expected,
        rtol=RTOL,
        atol=RTOL * float(np.max(np.abs(expected))),
        what="les logits avec des unités cachées inactives",
    )
