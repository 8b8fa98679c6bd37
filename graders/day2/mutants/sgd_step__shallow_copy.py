# dict.copy() copies the dict, not the arrays: the in-place -= still modifies the caller's arrays.
def sgd_step(params, grads, lr):
    new_params = params.copy()
    for name in new_params:
        new_params[name] -= lr * grads[name]
    return new_params
