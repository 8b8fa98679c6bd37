# Classic bug: a ReLU on the logits too, which cannot be negative any more.
def mlp_forward(X, W1, b1, W2, b2):
    return np.maximum(np.maximum(X @ W1.T + b1, 0) @ W2.T + b2, 0)
