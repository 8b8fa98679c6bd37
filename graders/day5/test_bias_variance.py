"""Hidden graders of ``bias_variance``: squared bias and variance over R runs, averaged over N points.

Expected values come from the reference, or from a closed form where the
predictions are built with a known mean over the runs. Shapes vary: several
runs and points, a single point, a single run (the variance is then exactly
0), and R = N, where averaging over the wrong axis gives numbers of the right
shape.

Tolerance: each value is a mean of at most R * N <= 1200 float64 terms of size
O(1), accurate to ~1e-14 relative. The one-pass arrangement
``mean(p**2) - mean(p)**2`` of the variance loses about
``1e-16 * mean(p**2) / variance``; with predictions of size <= 5 and a spread
>= 0.1 that is <= 3e-13 relative. rtol = 1e-8 leaves a margin of 3e4 and
atol = 1e-12 covers the exact zeros. The classic slips are off by a factor:
dividing by R - 1 (>= 4 % with R <= 25), squaring the mean gap instead of
averaging the squared gaps, taking the variance over all the R * N values.
"""

import numpy as np

from tpgrade.grader import expect_scalar, expect_tuple, question, reference

ref = reference("day5")

RTOL, ATOL = 1e-8, 1e-12


def random_runs(rng, R, N):
    """Predictions of R runs at N points: a bias that varies along x, and noise per run."""
    x = np.sort(rng.uniform(-1.0, 1.0, size=N))
    f_true = np.sin(3.0 * x)
    bias = rng.normal(scale=0.5, size=N)
    spread = rng.uniform(0.1, 1.0, size=N)
    predictions = f_true + bias + spread * rng.normal(size=(R, N))
    return predictions, f_true


def check(student, predictions, f_true, expected, what):
    out = expect_tuple(
        student.bias_variance(predictions, f_true), 2, what="le résultat de bias_variance (bias2, variance)"
    )
    expect_scalar(out[0], expected[0], rtol=RTOL, atol=ATOL, what=f"bias2 ({what})")
    expect_scalar(out[1], expected[1], rtol=RTOL, atol=ATOL, what=f"variance ({what})")


@question("bias_variance", points=0.5)
def test_many_runs(student, rng):
    for R, N in ((int(rng.integers(5, 26)), int(rng.integers(30, 48))), (20, 7)):
        predictions, f_true = random_runs(rng, R, N)
        check(
            student,
            predictions,
            f_true,
            ref.bias_variance(predictions, f_true),
            f"{R} entraînements, {N} points",
        )


@question("bias_variance", points=0.5)
def test_known_decomposition(student, rng):
    # Each column's noise is centred exactly, so the mean over the runs is
    # f_true + bias: bias2 = mean(bias**2) and variance = mean over the points
    # of mean over the runs of noise**2 (dividing by R).
    R, N = 8, 12
    f_true = rng.normal(size=N)
    bias = rng.normal(scale=0.7, size=N)
    noise = rng.normal(scale=0.4, size=(R, N))
    noise -= noise.mean(axis=0)
    expected = (float(np.mean(bias**2)), float(np.mean(noise**2)))
    check(student, f_true + bias + noise, f_true, expected, "décomposition connue")


@question("bias_variance", points=0.5)
def test_single_point_and_single_run(student, rng):
    predictions, f_true = random_runs(rng, 10, 1)
    check(student, predictions, f_true, ref.bias_variance(predictions, f_true), "un seul point (N = 1)")
    # One run: the mean prediction is that run, the variance is 0.
    predictions, f_true = random_runs(rng, 1, 9)
    expected = (float(np.mean((predictions[0] - f_true) ** 2)), 0.0)
    check(student, predictions, f_true, expected, "un seul entraînement (R = 1)")


@question("bias_variance", points=0.5)
def test_as_many_runs_as_points(student, rng):
    # R = N: averaging over the wrong axis still gives arrays of the right shape.
    n = int(rng.integers(6, 12))
    predictions, f_true = random_runs(rng, n, n)
    check(
        student,
        predictions,
        f_true,
        ref.bias_variance(predictions, f_true),
        f"autant d'entraînements que de points ({n})",
    )
