# Classic bug: the softmax is normalised over the examples (axis 0) instead of the classes.
def max_softmax_score(logits):
    shifted = logits - logits.max(axis=0, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=0, keepdims=True)).max(axis=1)
