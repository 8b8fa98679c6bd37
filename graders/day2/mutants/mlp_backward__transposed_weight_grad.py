# Weight gradients computed as input.T @ delta: the (in, out) layout instead of W's (out, in).
def mlp_backward(y, params, cache):
    X, Z1, H, logits = cache["X"], cache["Z1"], cache["H"], cache["logits"]
    n = X.shape[0]
    dlogits = softmax(logits)
    dlogits[np.arange(n), y] -= 1.0
    dlogits /= n
    dZ1 = (dlogits @ params["W2"]) * (Z1 > 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H.T @ dlogits, "b2": dlogits.sum(axis=0)}
