# Classic bug: ceil(c * n) - 1 without clipping: a confidence of 0 gets index -1, the last bin.
def reliability_bins(confidences, correct, n_bins=15):
    index = np.ceil(confidences * n_bins).astype(int) - 1
    index[index < 0] += n_bins
    count = np.bincount(index, minlength=n_bins)
    safe = np.maximum(count, 1)
    mean_confidence = np.bincount(index, weights=confidences, minlength=n_bins) / safe
    accuracy = np.bincount(index, weights=np.asarray(correct, dtype=float), minlength=n_bins) / safe
    return mean_confidence, accuracy, count
