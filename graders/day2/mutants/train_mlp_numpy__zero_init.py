# All weights initialised to zero: the ReLU units stay dead and identical, only b2 learns.
def train_mlp_numpy(X, y, d_hidden, lr, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    k = int(y.max()) + 1
    params = {"W1": np.zeros((d_hidden, d)), "b1": np.zeros(d_hidden),
              "W2": np.zeros((k, d_hidden)), "b2": np.zeros(k)}
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
