# Classic bug: windows of ceil(n / k) indices that start every n // k: consecutive folds overlap.
def kfold_indices(n, k, seed):
    order = np.random.default_rng(seed).permutation(n)
    size, stride = -(-n // k), n // k
    folds = []
    for i in range(k):
        val_idx = order[i * stride : i * stride + size]
        folds.append((np.setdiff1d(order, val_idx), val_idx))
    return folds
