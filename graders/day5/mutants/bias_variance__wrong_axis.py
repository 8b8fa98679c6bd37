# Classic bug: averages over the points (axis 1) instead of over the runs (axis 0).
def bias_variance(predictions, f_true):
    mean_prediction = predictions.mean(axis=1, keepdims=True)
    bias2 = np.mean((mean_prediction - f_true) ** 2)
    variance = np.mean(predictions.var(axis=1))
    return float(bias2), float(variance)
