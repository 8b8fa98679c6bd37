# Derivative of x**2 taken as x: the factor 2 of the power rule is forgotten.
def grad_quadratic(x):
    x = np.asarray(x, dtype=np.float64)
    return np.array([x[0], 3.0 * x[1]])
