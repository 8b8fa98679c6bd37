# Classic bug: the variance over the runs divides by R - 1 instead of R.
def bias_variance(predictions, f_true):
    mean_prediction = predictions.mean(axis=0)
    bias2 = np.mean((mean_prediction - f_true) ** 2)
    variance = np.mean(predictions.var(axis=0, ddof=1))
    return float(bias2), float(variance)
