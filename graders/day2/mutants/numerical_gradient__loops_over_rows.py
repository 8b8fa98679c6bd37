# Loops over range(len(x)): on a matrix, x[i] is a whole row, perturbed at once.
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for i in range(len(x)):
        saved = np.copy(x[i])
        x[i] = saved + eps
        f_plus = float(f(x))
        x[i] = saved - eps
        f_minus = float(f(x))
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
