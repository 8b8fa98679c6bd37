# Classic bug: a true convolution (kernel flipped) instead of the cross-correlation of conv2d.
def conv2d_valid(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)[::-1, ::-1]
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * k)
    return out
