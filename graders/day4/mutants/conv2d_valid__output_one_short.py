# Classic bug: output size H - kh instead of H - kh + 1 (the last window is forgotten).
def conv2d_valid(x, k):
    x = np.asarray(x, dtype=np.float64)
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh, x.shape[1] - kw))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * k)
    return out
