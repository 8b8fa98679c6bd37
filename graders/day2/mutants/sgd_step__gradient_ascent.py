# Sign error: p + lr * g climbs the loss instead of descending it.
def sgd_step(params, grads, lr):
    return {name: value + lr * grads[name] for name, value in params.items()}
