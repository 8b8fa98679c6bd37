# Ignores its seed argument: a generator seeded with a constant, so every seed gives the same run.
def train_mlp_numpy(X, y, d_hidden, lr, epochs, batch_size, seed):
    rng = np.random.default_rng(0)
    n, d = X.shape
    params = init_mlp_params(d, d_hidden, int(y.max()) + 1, rng)
    history = []
    for _ in range(epochs):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            logits, cache = mlp_forward_cache(X[batch], params)
            total += cross_entropy(logits, y[batch]) * len(batch)
            params = sgd_step(params, mlp_backward(y[batch], params, cache), lr)
        history.append(total / n)
    return params, history
