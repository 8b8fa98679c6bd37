# Classic bug: the mean of an empty bin is 0 / 0 = nan instead of 0.
def reliability_bins(confidences, correct, n_bins=15):
    index = np.clip(np.ceil(confidences * n_bins).astype(int) - 1, 0, n_bins - 1)
    count = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(index, weights=confidences, minlength=n_bins) / count
        accuracy = np.bincount(index, weights=np.asarray(correct, dtype=float), minlength=n_bins) / count
    return mean_confidence, accuracy, count
