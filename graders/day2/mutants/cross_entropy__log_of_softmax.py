# log(softmax(z)): a probability that underflows to 0 gives log(0) = -inf.
def cross_entropy(logits, y):
    probs = softmax(logits)
    return float(-np.log(probs[np.arange(len(y)), y]).mean())
