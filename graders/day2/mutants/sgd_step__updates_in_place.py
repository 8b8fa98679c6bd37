# Updates the parameter arrays in place (p -= lr * g) and returns the caller's dict.
def sgd_step(params, grads, lr):
    for name in params:
        params[name] -= lr * grads[name]
    return params
