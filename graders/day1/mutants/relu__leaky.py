# Classic bug: a leaky ReLU (slope 0.01 for negative z) instead of the ReLU.
def relu(z):
    return np.where(z > 0, z, 0.01 * z)
