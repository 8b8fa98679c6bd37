# Unbiased covariance (np.cov's default, divide by N - 1) instead of the maximum likelihood.
def fit_gaussian(X):
    X = np.asarray(X, dtype=np.float64)
    return X.mean(axis=0), np.cov(X, rowvar=False).reshape(X.shape[1], X.shape[1])
