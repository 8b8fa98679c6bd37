# Classic bug: returns the fraction of the examples in each bin instead of their number.
def reliability_bins(confidences, correct, n_bins=15):
    index = np.clip(np.ceil(confidences * n_bins).astype(int) - 1, 0, n_bins - 1)
    count = np.bincount(index, minlength=n_bins)
    safe = np.maximum(count, 1)
    mean_confidence = np.bincount(index, weights=confidences, minlength=n_bins) / safe
    accuracy = np.bincount(index, weights=np.asarray(correct, dtype=float), minlength=n_bins) / safe
    return mean_confidence, accuracy, count / len(confidences)
