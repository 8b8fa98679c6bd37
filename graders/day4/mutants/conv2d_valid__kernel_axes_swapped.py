# Classic bug: rows and columns of the kernel mixed up (k.T), invisible with symmetric square kernels.
def conv2d_valid(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64).T
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * k)
    return out
