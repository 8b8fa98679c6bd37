# np.cov without rowvar=False: treats each row as a variable, an (N, N) matrix.
def fit_gaussian(X):
    X = np.asarray(X, dtype=np.float64)
    return X.mean(axis=0), np.atleast_2d(np.cov(X, bias=True))
