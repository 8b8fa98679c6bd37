# Classic bug: folds of n // k and the whole remainder in the last one (sizes can differ by k - 1).
def kfold_indices(n, k, seed):
    order = np.random.default_rng(seed).permutation(n)
    size = n // k
    folds = []
    for i in range(k):
        val_idx = order[i * size : (i + 1) * size] if i < k - 1 else order[i * size :]
        folds.append((np.setdiff1d(order, val_idx), val_idx))
    return folds
