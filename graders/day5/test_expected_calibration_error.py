"""Hidden graders of ``expected_calibration_error``: ECE of Guo et al. with right-closed bins.

Probabilities come from random logits and labels drawn from a distorted copy
of them, so that the model is miscalibrated (ECE of 0.04 to 0.45). Random
confidences are kept away from the bin edges; the edge cases (a confidence of
exactly 0.5, 0.25 or 1, and ties between classes, where the prediction is the
first class) are graded separately, on rows written exactly. A closed form
checks a model whose accuracy and confidence are known.

Tolerance: the ECE is a sum of at most 15 terms, each a product of means of
at most 400 numbers in [0, 1]: exact to ~1e-14. rtol = 1e-10 and atol = 1e-12
leave a margin of 100. The classic slips (no absolute value, an unweighted mean
over the bins, the probability of the true class as the confidence, bins
closed on the left, the last class on ties) are off by more than 1e-2 on at
least one input of every seed (measured over 50 seeds: smallest 0.0147).
"""

import numpy as np

from tpgrade.grader import expect_scalar, question, reference

ref = reference("day5")

RTOL, ATOL = 1e-10, 1e-12


def softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def miscalibrated(rng, n, k, n_bins, sharpness=3.0):
    """Probabilities of an overconfident model, confidences away from the edges; labels from a softer model."""
    while True:
        logits = rng.normal(size=(n, k))
        probs = softmax(sharpness * logits)
        scaled = probs.max(axis=1) * n_bins
        if np.all(np.abs(scaled - np.round(scaled)) > 1e-6):
            break
    # Labels drawn from the softer model softmax(logits), by inverting its CDF.
    cdf = np.cumsum(softmax(logits), axis=1)
    labels = np.minimum((cdf < rng.uniform(size=(n, 1))).sum(axis=1), k - 1)
    return probs, labels


def check(student, probs, labels, n_bins, expected, what):
    args = (probs, labels) if n_bins is None else (probs, labels, n_bins)
    expect_scalar(
        student.expected_calibration_error(*args), expected, rtol=RTOL, atol=ATOL, what=f"l'ECE ({what})"
    )


@question("expected_calibration_error", points=0.5)
def test_miscalibrated_model(student, rng):
    probs, labels = miscalibrated(rng, 400, 10, 15)
    check(
        student,
        probs,
        labels,
        None,
        ref.expected_calibration_error(probs, labels),
        "400 exemples, 10 classes, n_bins par défaut",
    )


@question("expected_calibration_error", points=0.5)
def test_shapes_and_numbers_of_bins(student, rng):
    for n, k, n_bins in ((60, 2, 10), (35, 3, 5), (1, 4, 15), (120, 7, 20)):
        probs, labels = miscalibrated(rng, n, k, n_bins, sharpness=float(rng.uniform(0.5, 4.0)))
        check(
            student,
            probs,
            labels,
            n_bins,
            ref.expected_calibration_error(probs, labels, n_bins),
            f"{n} exemple(s), {k} classes, n_bins={n_bins}",
        )


# Rows with a confidence on a bin edge or a tie, and the label of each. When
# every bin leans the same way (all over-confident, say), the ECE is
# |mean(correct) - mean(confidence)| whatever the binning; so the labels make
# the rows on an edge lean the other way from their neighbours in the bins on
# either side, and a row moved to the wrong bin changes the ECE. Checked over
# all 3**12 repeat counts: bins closed on the left, torchmetrics' binning (1 in
# a bin of its own) and the last class on ties never give the right ECE for
# both numbers of bins.
EDGE_ROWS = (
    ([0.5, 0.3, 0.2, 0.0], 0),  # 0.5, right: gap +0.5
    ([0.2, 0.15, 0.15, 0.5], 3),  # 0.5, right
    ([0.05, 0.45, 0.4, 0.1], 0),  # 0.45, wrong: gap -0.45
    ([0.55, 0.25, 0.2, 0.0], 1),  # 0.55, wrong
    ([1.0, 0.0, 0.0, 0.0], 2),  # 1, wrong: gap -1
    ([0.0, 0.0, 0.0, 1.0], 0),  # 1, wrong
    ([0.95, 0.05, 0.0, 0.0], 0),  # 0.95, right: gap +0.05
    ([0.25, 0.25, 0.25, 0.25], 0),  # tie: the first class, right
    ([0.1, 0.45, 0.45, 0.0], 1),  # tie: the first class, right
    ([0.15, 0.2, 0.65, 0.0], 2),  # 0.65, right
    ([0.75, 0.125, 0.125, 0.0], 1),  # 0.75, wrong
    ([0.0, 0.1, 0.1, 0.8], 3),  # 0.8, right
)


@question("expected_calibration_error", points=0.5)
def test_edges_and_ties(student, rng):
    # Confidences exactly on edges (0.5 and 1 with 10 bins; 0.25, 0.5, 0.75 and 1
    # with 4) and ties, where the prediction is the first class of the maximum.
    # Every row appears 2 to 4 times, in a random order.
    rows = np.array([row for row, _ in EDGE_ROWS])
    row_labels = np.array([label for _, label in EDGE_ROWS])
    for n_bins in (10, 4):
        repeat = rng.integers(2, 5, size=len(rows))
        order = rng.permutation(int(repeat.sum()))
        probs = np.repeat(rows, repeat, axis=0)[order]
        labels = np.repeat(row_labels, repeat)[order]
        check(
            student,
            probs,
            labels,
            n_bins,
            ref.expected_calibration_error(probs, labels, n_bins),
            f"confiances sur les bords et ex aequo, n_bins={n_bins}",
        )


@question("expected_calibration_error", points=0.5)
def test_known_values(student, rng):
    # Every confidence 0.9 with 6 correct out of 10: ECE = |0.6 - 0.9| = 0.3.
    probs = np.tile([0.05, 0.9, 0.05], (10, 1))
    labels = np.array([1] * 6 + [0, 2, 0, 2])[rng.permutation(10)]
    check(student, probs, labels, 15, 0.3, "confiance 0.9, précision 0.6")
    # Two groups: confidence 0.65 all correct (gap 0.35) and 0.85 with 2 correct
    # out of 6 (gap 0.85 - 1/3), weights 4/10 and 6/10: ECE = 0.14 + 0.31 = 0.45.
    probs = np.array([[0.65, 0.35]] * 4 + [[0.15, 0.85]] * 6)
    labels = np.array([0] * 4 + [1, 1, 0, 0, 0, 0])
    order = rng.permutation(10)
    check(student, probs[order], labels[order], 15, 0.45, "deux groupes de confiance")
