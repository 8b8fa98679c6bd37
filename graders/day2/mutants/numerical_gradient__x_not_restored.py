# Perturbs x in place and never puts the element back: x is left modified.
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + eps
        f_plus = float(f(x))
        x[index] = saved - eps
        f_minus = float(f(x))
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad
