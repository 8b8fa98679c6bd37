# Classic bug: the negative entries are zeroed in the caller's array.
def relu(z):
    z[z < 0] = 0
    return z
