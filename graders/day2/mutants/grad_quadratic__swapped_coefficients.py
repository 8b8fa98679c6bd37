# The coefficients of the two partial derivatives are swapped.
def grad_quadratic(x):
    x = np.asarray(x, dtype=np.float64)
    return np.array([6.0 * x[0], 2.0 * x[1]])
