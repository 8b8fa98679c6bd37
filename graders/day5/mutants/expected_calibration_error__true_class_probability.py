# Classic bug: the confidence is the probability of the true class instead of the largest one.
def expected_calibration_error(probs, labels, n_bins=15):
    confidences = probs[np.arange(len(labels)), labels]
    correct = probs.argmax(axis=1) == labels
    mean_confidence, accuracy, count = _ECE_BINNING(confidences, correct, n_bins)
    return float(np.sum(count / len(labels) * np.abs(accuracy - mean_confidence)))
