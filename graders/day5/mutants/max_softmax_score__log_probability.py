# Classic bug: returns the largest log-probability instead of the probability.
def max_softmax_score(logits):
    return log_softmax(logits).max(axis=1)
