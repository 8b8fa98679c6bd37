# Classic bug: the train part is every index, the val part included (validation leaks into training).
def kfold_indices(n, k, seed):
    order = np.random.default_rng(seed).permutation(n)
    return [(np.arange(n), part) for part in np.array_split(order, k)]
