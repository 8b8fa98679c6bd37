"""Hidden graders of ``softmax``: row-wise, stable for logits of 1e4, NumPy only.

Tolerance: softmax in float64 is accurate to a few ulps relative per element
when the row maximum is subtracted; the log-sum-exp form exp(z - lse) loses
up to ulp(|z|) ~ 2e-12 relative for logits of 1e4. rtol = 1e-9 covers both
with a margin of 500; atol = 1e-12 lets probabilities that underflow (exp of
-1e4) be 0 or denormal. Wrong answers are off by O(1).
"""

import numpy as np

from tpgrade.grader import expect_array, question, reference

ref = reference("day2")

RTOL, ATOL = 1e-9, 1e-12


def check(student, Z, what):
    expect_array(student.softmax(Z), ref.softmax(Z), rtol=RTOL, atol=ATOL, what=what)


@question("softmax", points=0.5, numpy_only=True)
def test_random_logits(student, rng):
    for n, k in ((5, 3), (4, 7)):
        check(student, rng.normal(scale=3.0, size=(n, k)), f"softmax d'une matrice {n}×{k}")


@question("softmax", points=0.5, numpy_only=True)
def test_single_row_and_square(student, rng):
    check(student, rng.normal(scale=2.0, size=(1, 6)), "softmax d'une seule ligne (N = 1)")
    check(student, rng.normal(scale=2.0, size=(4, 4)), "softmax d'une matrice carrée")


@question("softmax", points=0.5, numpy_only=True)
def test_large_logits(student, rng):
    # Logits around 1e4: exp overflows unless each row is shifted.
    Z = 1e4 + rng.normal(scale=3.0, size=(3, 5))
    check(student, Z, "softmax de logits de l'ordre de 1e4")
    # Logits spread over ±1e4: most probabilities underflow to 0, one per row is ~1.
    check(student, rng.normal(scale=1e4, size=(4, 3)), "softmax de logits très dispersés")


@question("softmax", points=0.5, numpy_only=True)
def test_rows_at_different_scales(student, rng):
    # Each row has its own offset: a shift by the maximum of the whole matrix
    # (instead of each row's) leaves rows where every exp underflows to 0.
    offsets = np.array([[1e4], [0.0], [-1e4], [5e3]])
    Z = offsets + rng.normal(scale=2.0, size=(4, 6))
    check(student, Z, "softmax de lignes d'échelles très différentes")
