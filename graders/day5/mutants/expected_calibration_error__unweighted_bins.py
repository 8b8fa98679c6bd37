# Classic bug: a plain mean of the gaps over the non-empty bins, not weighted by count / N.
def expected_calibration_error(probs, labels, n_bins=15):
    confidences = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    mean_confidence, accuracy, count = _ECE_BINNING(confidences, correct, n_bins)
    used = count > 0
    return float(np.mean(np.abs(accuracy - mean_confidence)[used]))
