# Bias gradients averaged over the batch although dlogits already carries the 1/N.
def mlp_backward(y, params, cache):
    X, Z1, H, logits = cache["X"], cache["Z1"], cache["H"], cache["logits"]
    n = X.shape[0]
    dlogits = softmax(logits)
    dlogits[np.arange(n), y] -= 1.0
    dlogits /= n
    dZ1 = (dlogits @ params["W2"]) * (Z1 > 0)
    return {"W1": dZ1.T @ X, "b1": dZ1.mean(axis=0), "W2": dlogits.T @ H, "b2": dlogits.mean(axis=0)}
