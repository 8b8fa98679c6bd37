# Classic bug: bins closed on the wrong side, [i/n, (i+1)/n) (1 clipped into the last bin).
def reliability_bins(confidences, correct, n_bins=15):
    index = np.clip(np.floor(confidences * n_bins).astype(int), 0, n_bins - 1)
    count = np.bincount(index, minlength=n_bins)
    safe = np.maximum(count, 1)
    mean_confidence = np.bincount(index, weights=confidences, minlength=n_bins) / safe
    accuracy = np.bincount(index, weights=np.asarray(correct, dtype=float), minlength=n_bins) / safe
    return mean_confidence, accuracy, count
