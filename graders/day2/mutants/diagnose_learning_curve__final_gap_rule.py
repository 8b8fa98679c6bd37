# Looks only at the final gap val - train: confuses an overfitting gap with underfitting.
def diagnose_learning_curve(train_loss, val_loss):
    train = np.asarray(train_loss, dtype=np.float64)
    val = np.asarray(val_loss, dtype=np.float64)
    if not np.all(np.isfinite(train)) or train[-1] > train[0]:
        return "divergence"
    if val[-1] - train[-1] > 0.3:
        return "underfitting"
    if train[-1] > 0.7 * train[0]:
        return "overfitting"
    return "healthy"
