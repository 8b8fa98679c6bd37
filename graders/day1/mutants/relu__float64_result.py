# Classic bug: the result is always float64, whatever the dtype of z.
def relu(z):
    return np.maximum(z, 0).astype(np.float64)
