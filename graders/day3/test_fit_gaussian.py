"""Hidden graders of ``fit_gaussian``: maximum-likelihood mean and covariance (divide by N).

Tolerance: mean and covariance are float64 sums of at most N = 200 products of
values of order 10 (data centred at up to ±5 with scales up to 3), accurate to
~N * 1e-16 relative to the largest entry; rtol = 1e-9 plus atol = 1e-9 times the
largest |entry| accepts any arrangement (centring first, or E[x xᵀ] - μμᵀ on
these moderate offsets, whose cancellation costs ~1e-14) with a margin of 1e4.
Classic slips are off by far more: dividing by N - 1 changes the covariance
by 1 / (N - 1) >= 0.5 % relative (N <= 200), and gives nan for N = 1;
forgetting to centre adds mean meanᵀ (the means drawn are O(1) to 5); a
transposed product gives an (N, N) matrix.
"""

import numpy as np

from tpgrade.grader import expect_array, expect_tuple, question, reference

ref = reference("day3")

RTOL = 1e-9


def check(student, X, what):
    out = expect_tuple(
        student.fit_gaussian(X), 2, what=f"le résultat de fit_gaussian (moyenne, covariance) ({what})"
    )
    mean, cov = ref.fit_gaussian(X)
    expect_array(
        out[0],
        mean,
        rtol=RTOL,
        atol=RTOL * max(1.0, float(np.max(np.abs(mean)))),
        what=f"la moyenne ({what})",
    )
    expect_array(
        out[1], cov, rtol=RTOL, atol=RTOL * float(np.max(np.abs(cov)) or 1.0), what=f"la covariance ({what})"
    )


def correlated_sample(rng, n, d):
    """Rows of a Gaussian with a random mean and a random full covariance."""
    A = rng.normal(size=(d, d)) * rng.uniform(0.3, 3.0, size=d)
    return rng.uniform(-5.0, 5.0, size=d) + rng.normal(size=(n, d)) @ A.T


@question("fit_gaussian", points=0.5)
def test_correlated_samples(student, rng):
    check(student, correlated_sample(rng, 200, 3), "200 points en dimension 3")
    check(student, correlated_sample(rng, 9, 5), "9 points en dimension 5")


@question("fit_gaussian", points=0.25)
def test_few_points_and_one_dimension(student, rng):
    # N < d: the covariance is singular but still defined; d = 1: a (1, 1) matrix.
    check(student, correlated_sample(rng, 3, 6), "3 points en dimension 6")
    check(student, rng.normal(2.0, 1.5, size=(40, 1)), "40 points en dimension 1")


@question("fit_gaussian", points=0.25)
def test_single_point(student, rng):
    # One point: the maximum-likelihood covariance is the zero matrix (dividing
    # by N - 1 = 0 gives nan).
    check(student, rng.normal(size=(1, 4)), "un seul point")
