# Classic bug: no absolute value: over- and under-confident bins cancel out.
def expected_calibration_error(probs, labels, n_bins=15):
    confidences = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    mean_confidence, accuracy, count = _ECE_BINNING(confidences, correct, n_bins)
    return float(abs(np.sum(count / len(labels) * (accuracy - mean_confidence))))
