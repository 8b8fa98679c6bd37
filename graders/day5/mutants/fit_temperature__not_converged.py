# Classic bug: a few steps of gradient descent on T from T = 1, stopped far from the optimum.
def fit_temperature(logits, labels):
    t, lr, h = 1.0, 0.05, 1e-5
    for _ in range(20):
        slope = (temperature_nll(logits, labels, t + h) - temperature_nll(logits, labels, t - h)) / (2 * h)
        t -= lr * slope
    return float(t)
