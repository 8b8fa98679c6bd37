# Classic bug: k folds of n // k indices: the last n % k indices are never validated.
def kfold_indices(n, k, seed):
    order = np.random.default_rng(seed).permutation(n)
    size = n // k
    folds = []
    for i in range(k):
        val_idx = order[i * size : (i + 1) * size]
        folds.append((np.setdiff1d(np.arange(n), val_idx), val_idx))
    return folds
