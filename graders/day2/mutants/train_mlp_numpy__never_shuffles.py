# Visits the examples in the same (given) order at every epoch: no shuffling.
def train_mlp_numpy(X, y, d_hidden, lr, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    params = init_mlp_params(d, d_hidden, int(y.max()) + 1, rng)
    history = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, n, batch_size):
            Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
            logits, cache = mlp_forward_cache(Xb, params)
            total += cross_entropy(logits, yb) * len(yb)
            params = sgd_step(params, mlp_backward(yb, params, cache), lr)
        history.append(total / n)
    return params, history
