# Returns softmax probabilities instead of the logits (the cache itself is right).
def mlp_forward_cache(X, params):
    X = np.asarray(X, dtype=np.float64)
    Z1 = X @ params["W1"].T + params["b1"]
    H = np.maximum(Z1, 0.0)
    logits = H @ params["W2"].T + params["b2"]
    return softmax(logits), {"X": X, "Z1": Z1, "H": H, "logits": logits}
