# Classic bug: the gap is averaged over the points before squaring (errors of opposite signs cancel).
def bias_variance(predictions, f_true):
    mean_prediction = predictions.mean(axis=0)
    bias2 = np.mean(mean_prediction - f_true) ** 2
    variance = np.mean(predictions.var(axis=0))
    return float(bias2), float(variance)
