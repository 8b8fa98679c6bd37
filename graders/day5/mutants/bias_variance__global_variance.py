# Classic bug: the variance of all R * N predictions, which mixes in the spread of f across the points.
def bias_variance(predictions, f_true):
    mean_prediction = predictions.mean(axis=0)
    bias2 = np.mean((mean_prediction - f_true) ** 2)
    variance = predictions.var()
    return float(bias2), float(variance)
