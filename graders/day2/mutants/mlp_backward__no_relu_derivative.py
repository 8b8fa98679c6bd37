# Backpropagates through the ReLU as if it were the identity (no mask on Z1 > 0).
def mlp_backward(y, params, cache):
    X, H, logits = cache["X"], cache["H"], cache["logits"]
    n = X.shape[0]
    dlogits = softmax(logits)
    dlogits[np.arange(n), y] -= 1.0
    dlogits /= n
    dZ1 = dlogits @ params["W2"]
    return {"W1": dZ1.T @ X, "b1": dZ1.sum(axis=0), "W2": dlogits.T @ H, "b2": dlogits.sum(axis=0)}
