# Second moment E[x xᵀ] instead of the covariance: the mean is not subtracted.
def fit_gaussian(X):
    X = np.asarray(X, dtype=np.float64)
    return X.mean(axis=0), X.T @ X / X.shape[0]
