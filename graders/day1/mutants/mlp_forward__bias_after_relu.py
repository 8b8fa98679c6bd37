# Classic bug: the first bias is added after the ReLU instead of before it.
def mlp_forward(X, W1, b1, W2, b2):
    return (np.maximum(X @ W1.T, 0) + b1) @ W2.T + b2
