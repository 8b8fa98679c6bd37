# Classic bug: on ties the prediction is the last class of the maximum, not the first.
def expected_calibration_error(probs, labels, n_bins=15):
    confidences = probs.max(axis=1)
    k = probs.shape[1]
    predictions = k - 1 - probs[:, ::-1].argmax(axis=1)
    mean_confidence, accuracy, count = _ECE_BINNING(confidences, predictions == labels, n_bins)
    return float(np.sum(count / len(labels) * np.abs(accuracy - mean_confidence)))
