"""Public tests of Day 5: small examples worked out by hand, and properties.

They hold no expected value beyond these examples; the hidden graders check
more cases (other shapes, bin edges, ties, large logits).
"""

import numpy as np

from tpgrade.grader import expect, expect_array, expect_scalar, expect_tuple, question


@question("bias_variance", points=1)
def test_bias_variance_by_hand(student, rng):
    # Two runs at two points: mean prediction (2, 1), f_true (1, 1):
    # bias2 = ((2-1)**2 + 0**2) / 2 = 0.5; variance = (1 + 0) / 2 = 0.5 (dividing by R = 2).
    predictions = np.array([[1.0, 1.0], [3.0, 1.0]])
    out = expect_tuple(
        student.bias_variance(predictions, np.array([1.0, 1.0])), 2, what="le résultat de bias_variance"
    )
    expect_scalar(out[0], 0.5, rtol=1e-12, atol=1e-12, what="bias2")
    expect_scalar(out[1], 0.5, rtol=1e-12, atol=1e-12, what="variance")


@question("reliability_bins", points=1)
def test_reliability_bins_by_hand(student, rng):
    # Four bins (0, .25], (.25, .5], (.5, .75], (.75, 1]; 0.5 is in the second one.
    confidences = np.array([0.1, 0.5, 0.6, 0.9, 0.95])
    correct = np.array([False, True, True, True, False])
    out = expect_tuple(
        student.reliability_bins(confidences, correct, 4), 3, what="le résultat de reliability_bins"
    )
    expect_array(out[0], np.array([0.1, 0.5, 0.6, 0.925]), rtol=1e-12, atol=1e-12, what="mean_confidence")
    expect_array(out[1], np.array([0.0, 1.0, 1.0, 0.5]), rtol=1e-12, atol=1e-12, what="accuracy")
    expect_array(out[2], np.array([1, 1, 1, 2]), rtol=0.0, atol=0.0, what="count")


@question("expected_calibration_error", points=1)
def test_ece_by_hand(student, rng):
    # Confidence 0.9 everywhere, 6 predictions right out of 10: ECE = 0.3.
    probs = np.tile([0.9, 0.1], (10, 1))
    labels = np.array([0] * 6 + [1] * 4)
    expect_scalar(
        student.expected_calibration_error(probs, labels), 0.3, rtol=1e-10, atol=1e-12, what="l'ECE"
    )


@question("fit_temperature", points=1)
def test_fit_temperature_scale(student, rng):
    # Multiplying the logits by c multiplies the best temperature by c.
    labels = rng.integers(0, 4, size=200)
    logits = rng.normal(size=(200, 4))
    logits[np.arange(200), labels] += 1.0
    t1 = expect_scalar(
        student.fit_temperature(logits, labels), 1.0, rtol=np.inf, atol=np.inf, what="la température"
    )
    t3 = expect_scalar(
        student.fit_temperature(3.0 * logits, labels), 1.0, rtol=np.inf, atol=np.inf, what="la température"
    )
    expect(t1 > 0, "la température doit être strictement positive")
    expect(
        abs(t3 / t1 - 3.0) < 1e-2, "fit_temperature(3 * logits) devrait valoir 3 fois fit_temperature(logits)"
    )


@question("max_softmax_score", points=1)
def test_max_softmax_score_by_hand(student, rng):
    logits = np.array([[0.0, 0.0], [np.log(3.0), 0.0], [1e4, 0.0]])
    expect_array(
        student.max_softmax_score(logits),
        np.array([0.5, 0.75, 1.0]),
        rtol=1e-9,
        atol=1e-15,
        what="max_softmax_score",
    )


@question("auroc", points=1)
def test_auroc_by_hand(student, rng):
    # Pairs (in, out): 3 > 1 and 3 > 2, 2 > 1, 2 = 2 (one half): 3.5 / 4.
    expect_scalar(
        student.auroc(np.array([3.0, 2.0]), np.array([1.0, 2.0])), 0.875, rtol=0.0, atol=1e-12, what="l'AUROC"
    )


@question("kfold_indices", points=1)
def test_kfold_properties(student, rng):
    folds = student.kfold_indices(10, 3, 0)
    expect(type(folds) in (list, tuple) and len(folds) == 3, "kfold_indices(10, 3, 0) doit renvoyer 3 paires")
    vals = []
    for train_idx, val_idx in folds:
        expect(
            type(val_idx) is np.ndarray and type(train_idx) is np.ndarray,
            "train_idx et val_idx doivent être des tableaux NumPy",
        )
        expect(
            sorted(np.concatenate([train_idx, val_idx]).tolist()) == list(range(10)),
            "chaque pli : train_idx et val_idx doivent se partager range(10) sans doublon",
        )
        vals.append(val_idx)
    expect(
        sorted(np.concatenate(vals).tolist()) == list(range(10)),
        "les parties de validation doivent couvrir range(10), chaque indice une fois",
    )
    expect(
        sorted(len(v) for v in vals) == [3, 3, 4],
        "les tailles des parties de validation doivent être 3, 3, 4",
    )
