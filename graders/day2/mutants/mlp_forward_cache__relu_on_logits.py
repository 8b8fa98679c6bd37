# Applies the ReLU to the output layer too: negative logits are clipped to 0.
def mlp_forward_cache(X, params):
    X = np.asarray(X, dtype=np.float64)
    Z1 = X @ params["W1"].T + params["b1"]
    H = np.maximum(Z1, 0.0)
    logits = H @ params["W2"].T + params["b2"]
    return np.maximum(logits, 0.0), {"X": X, "Z1": Z1, "H": H, "logits": logits}
