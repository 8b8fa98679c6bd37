# Sums the per-example losses instead of averaging them over the batch.
def cross_entropy(logits, y):
    log_probs = log_softmax(logits)
    return float(-log_probs[np.arange(len(y)), y].sum())
