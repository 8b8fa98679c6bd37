# Classic bug: W used as (in, out) although the course stores it as (out, in).
def mlp_forward(X, W1, b1, W2, b2):
    return np.maximum(X @ W1 + b1, 0) @ W2 + b2
