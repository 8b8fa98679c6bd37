# Forward difference (f(x + eps) - f(x)) / eps: error O(eps) instead of O(eps**2).
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    f_x = float(f(x))
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + eps
        grad[index] = (float(f(x)) - f_x) / eps
        x[index] = saved
    return grad
