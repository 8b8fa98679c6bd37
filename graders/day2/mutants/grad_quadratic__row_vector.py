# Returns a (1, 2) row vector instead of an array of shape (2,).
def grad_quadratic(x):
    x = np.asarray(x, dtype=np.float64)
    return np.array([[2.0 * x[0], 6.0 * x[1]]])
