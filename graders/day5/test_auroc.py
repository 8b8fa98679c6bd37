"""Hidden graders of ``auroc``: in-distribution scores positive, ties counting one half.

The expected values are the reference's, which counts the pairs (in, out)
where the in-distribution score is above, or equal (one half), on sorted
arrays; it agrees with scikit-learn's ``roc_auc_score`` (checked by the test
suite). Ties are graded on integer-valued scores, where they are frequent,
and on the extreme cases (every score equal: 0.5).

Tolerance: the AUROC is a ratio of integers (or half-integers) over
n_in * n_out <= 4000, computed exactly in float64 up to the final division:
atol = 1e-12. Counting ties as 0 or 1 changes the value by (number of tied
pairs) / (2 n_in n_out) >= 1/8000, far above it; swapping the classes
gives 1 - AUROC, with AUROC kept away from 0.5 on the separated samples.
"""

import numpy as np

from tpgrade.grader import expect_scalar, question, reference

ref = reference("day5")

ATOL = 1e-12


def check(student, scores_in, scores_out, what, expected=None):
    if expected is None:
        expected = ref.auroc(scores_in, scores_out)
    expect_scalar(
        student.auroc(scores_in, scores_out), expected, rtol=0.0, atol=ATOL, what=f"l'AUROC ({what})"
    )


@question("auroc", points=0.5)
def test_continuous_scores(student, rng):
    for n_in, n_out, shift in ((50, 80, 1.0), (120, 30, 2.0)):
        check(
            student,
            rng.normal(loc=shift, size=n_in),
            rng.normal(size=n_out),
            f"{n_in} scores in, {n_out} scores out",
        )


@question("auroc", points=0.75)
def test_tied_scores(student, rng):
    # Integer scores: many pairs are tied; each counts one half.
    scores_in = rng.integers(2, 8, size=60).astype(np.float64)
    scores_out = rng.integers(0, 6, size=45).astype(np.float64)
    check(student, scores_in, scores_out, "scores entiers, beaucoup d'ex aequo")
    # Confidences rounded to 0.1 (as a model's might be), in an unsorted order.
    check(
        student,
        np.round(rng.uniform(0.4, 1.0, size=30), 1),
        np.round(rng.uniform(0.2, 0.9, size=25), 1),
        "scores arrondis au dixième",
    )
    check(student, np.full(7, 0.5), np.full(4, 0.5), "tous les scores égaux", expected=0.5)


@question("auroc", points=0.5)
def test_extreme_cases(student, rng):
    low, high = rng.uniform(0.0, 0.4, size=15), rng.uniform(0.6, 1.0, size=9)
    check(student, high, low, "séparation parfaite", expected=1.0)
    check(student, low, high, "séparation parfaite inversée", expected=0.0)
    a, b = float(rng.uniform(0.5, 1.0)), float(rng.uniform(0.0, 0.5))
    check(student, np.array([a]), np.array([b]), "un score de chaque côté", expected=1.0)
    check(student, np.array([b]), np.array([a]), "un score de chaque côté, inversés", expected=0.0)
    check(student, np.array([a]), np.array([a]), "un score de chaque côté, égaux", expected=0.5)


@question("auroc", points=0.25)
def test_very_unequal_sizes(student, rng):
    scores_in = rng.normal(loc=1.5, size=3)
    scores_out = np.concatenate([rng.normal(size=197), scores_in[:1]])  # one tie as well
    check(student, scores_in, scores_out, "3 scores in, 198 scores out")
