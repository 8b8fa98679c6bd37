# Appends the loss of every mini-batch to history: one entry per step, not per epoch.
def train_mlp_numpy(X, y, d_hidden, lr, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    params = init_mlp_params(d, d_hidden, int(y.max()) + 1, rng)
    history = []
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            logits, cache = mlp_forward_cache(X[batch], params)
            history.append(cross_entropy(logits, y[batch]))
            params = sgd_step(params, mlp_backward(y[batch], params, cache), lr)
    return params, history
