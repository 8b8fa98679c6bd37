"""Hidden graders of ``max_softmax_score``: the largest softmax probability of each row, stable.

Tolerance: ``1 / sum_j exp(z_j - max z)`` in float64 is exact to a few ulps;
``exp(max z - logsumexp(z))``, another correct arrangement, loses up to
ulp(|z|) ~ 2e-12 relative for logits of 1e4. rtol = 1e-9 covers both with a
margin of 500, and atol = 1e-15 is round-off on values in [1/k, 1]. Wrong
answers (the largest logit, a softmax over the wrong axis, a log-probability)
are off by O(1); an unshifted exp overflows to nan for logits of 1e3 and more.
"""

import numpy as np

from tpgrade.grader import expect_array, question, reference

ref = reference("day5")

RTOL, ATOL = 1e-9, 1e-15


def check(student, logits, what):
    expect_array(
        student.max_softmax_score(logits),
        ref.max_softmax_score(logits),
        rtol=RTOL,
        atol=ATOL,
        what=f"le score de confiance maximale ({what})",
    )


@question("max_softmax_score", points=0.5)
def test_random_logits(student, rng):
    for n, k in ((9, 5), (4, 12)):
        check(student, rng.normal(scale=2.0, size=(n, k)), f"{n} exemples, {k} classes")


@question("max_softmax_score", points=0.5)
def test_single_row_and_two_classes(student, rng):
    check(student, rng.normal(scale=2.0, size=(1, 10)), "un seul exemple (N = 1)")
    check(student, rng.normal(scale=3.0, size=(6, 2)), "2 classes")
    check(student, rng.normal(scale=3.0, size=(5, 5)), "matrice carrée")


@question("max_softmax_score", points=0.5)
def test_large_logits(student, rng):
    check(student, 1e4 + rng.normal(scale=3.0, size=(4, 6)), "logits de l'ordre de 1e4")
    offsets = np.array([[1e4], [0.0], [-1e4], [5e3], [-3e3]])
    check(student, offsets + rng.normal(scale=2.0, size=(5, 7)), "lignes d'échelles très différentes")
    check(student, rng.normal(scale=1e3, size=(6, 4)), "logits très dispersés")


@question("max_softmax_score", points=0.5)
def test_ties(student, rng):
    # Equal logits: every probability is 1/k; two equal maxima: at most 1/2.
    k = int(rng.integers(3, 9))
    logits = np.full((3, k), float(rng.normal()))
    logits[1] = 0.0
    logits[2] = rng.normal(size=k)
    logits[2, :2] = logits[2].max() + 1.0
    check(student, logits, f"logits ex aequo, {k} classes")
