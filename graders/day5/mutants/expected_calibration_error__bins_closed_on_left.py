# Classic bug: its own binning, closed on the wrong side: [i/n, (i+1)/n).
def expected_calibration_error(probs, labels, n_bins=15):
    confidences = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    index = np.clip(np.floor(confidences * n_bins).astype(int), 0, n_bins - 1)
    ece = 0.0
    for i in range(n_bins):
        members = index == i
        if members.any():
            ece += members.mean() * abs(correct[members].mean() - confidences[members].mean())
    return float(ece)
