# Classic bug: the temperature multiplies the logits (softmax(T * logits)), so the answer is 1 / T*.
def fit_temperature(logits, labels):
    grid = np.geomspace(0.01, 100.0, 801)
    losses = [temperature_nll(logits, labels, 1.0 / t) for t in grid]
    return float(grid[int(np.argmin(losses))])
