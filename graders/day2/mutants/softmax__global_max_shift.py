# Subtracts the maximum of the whole matrix: rows far below it underflow to 0/0.
def softmax(Z):
    Z = np.asarray(Z, dtype=np.float64)
    exp = np.exp(Z - Z.max())
    return exp / exp.sum(axis=-1, keepdims=True)
