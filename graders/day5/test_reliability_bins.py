"""Hidden graders of ``reliability_bins``: bins ``(i/n, (i+1)/n]``, the first one holding 0.

Random confidences are kept away from every bin edge (``|c n - round(c n)| >
1e-6``), where rounding could decide the bin. Confidences exactly on an edge
are graded only where the edge is a number that float64 holds exactly (0,
0.25, 0.5, 0.75, 1, k/8, k/16), with numbers of bins for which ``c * n`` and
``i / n`` are then computed without rounding: every correct way of binning
(``ceil(c n) - 1``, ``np.digitize(c, edges, right=True)``, a loop over
``lo < c <= hi``) agrees there, and bins closed on the wrong side
(``[i/n, (i+1)/n)``) do not.

Tolerance: a bin's mean confidence and accuracy are means of at most 300
numbers in [0, 1], exact to ~1e-14; rtol = atol = 1e-12 leaves a margin of
100. Counts are integers and must be exact (an integer or a float array).
Empty bins must hold 0, not nan.
"""

import numpy as np

from tpgrade.grader import expect_array, expect_tuple, question, reference

ref = reference("day5")

RTOL, ATOL = 1e-12, 1e-12


def off_edge_confidences(rng, size, n_bins, low=0.0, high=1.0):
    """Uniform confidences at least 1e-6 / n_bins away from every edge i / n_bins."""
    values = rng.uniform(low, high, size=size)
    scaled = values * n_bins
    near = np.abs(scaled - np.round(scaled)) < 1e-6
    values[near] = (np.floor(scaled[near]) + 0.5) / n_bins  # the middle of the bin instead
    return values


def check(student, confidences, correct, n_bins, what):
    args = (confidences, correct) if n_bins is None else (confidences, correct, n_bins)
    expected = ref.reliability_bins(confidences, correct, *(() if n_bins is None else (n_bins,)))
    out = expect_tuple(
        student.reliability_bins(*args),
        3,
        what="le résultat de reliability_bins (mean_confidence, accuracy, count)",
    )
    expect_array(out[2], expected[2], rtol=0.0, atol=0.0, what=f"count ({what})")
    expect_array(out[0], expected[0], rtol=RTOL, atol=ATOL, what=f"mean_confidence ({what})")
    expect_array(out[1], expected[1], rtol=RTOL, atol=ATOL, what=f"accuracy ({what})")


@question("reliability_bins", points=0.5)
def test_default_number_of_bins(student, rng):
    confidences = off_edge_confidences(rng, 300, 15)
    correct = rng.uniform(size=300) < confidences
    check(student, confidences, correct, None, "300 exemples, n_bins par défaut (15)")


@question("reliability_bins", points=0.5)
def test_other_numbers_of_bins(student, rng):
    for n_bins, size in ((10, 80), (7, 45), (23, 200)):
        confidences = off_edge_confidences(rng, size, n_bins, low=0.2)
        correct = rng.uniform(size=size) < confidences**2
        check(student, confidences, correct, n_bins, f"{size} exemples, n_bins={n_bins}")


@question("reliability_bins", points=1.0)
def test_confidences_on_bin_edges(student, rng):
    # Exact edges: each lands in the bin on its left; 0 in the first bin, 1 in the last.
    cases = (
        (10, [0.0, 0.5, 1.0]),
        (4, [0.0, 0.25, 0.5, 0.75, 1.0]),
        (20, [0.25, 0.5, 0.75, 1.0]),
        (8, [k / 8 for k in range(9)]),
        (16, [0.0, 0.0625, 0.5, 0.9375, 1.0]),
    )
    for n_bins, edges in cases:
        edges = np.repeat(np.array(edges), int(rng.integers(1, 4)))
        confidences = np.concatenate([edges, off_edge_confidences(rng, 12, n_bins)])
        confidences = confidences[rng.permutation(confidences.size)]
        correct = rng.uniform(size=confidences.size) < 0.6
        check(student, confidences, correct, n_bins, f"confiances sur les bords des classes, n_bins={n_bins}")


@question("reliability_bins", points=0.5)
def test_single_example(student, rng):
    for confidence in (float(off_edge_confidences(rng, 1, 15)[0]), 1.0, 0.0):
        check(
            student,
            np.array([confidence]),
            np.array([bool(rng.integers(2))]),
            15,
            "un seul exemple (les autres classes sont vides)",
        )


@question("reliability_bins", points=0.5)
def test_clustered_confidences_and_integer_correct(student, rng):
    # Confidences of an overconfident model: most bins are empty; correct is 0/1.
    confidences = off_edge_confidences(rng, 60, 15, low=0.85)
    correct = (rng.uniform(size=60) < 0.7).astype(np.int64)
    check(student, confidences, correct, 15, "confiances groupées près de 1, correct en 0/1")
