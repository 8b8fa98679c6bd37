# Normalises over the batch axis (columns) instead of over each row.
def softmax(Z):
    Z = np.asarray(Z, dtype=np.float64)
    exp = np.exp(Z - Z.max(axis=0, keepdims=True))
    return exp / exp.sum(axis=0, keepdims=True)
