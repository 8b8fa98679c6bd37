# Classic bug: |z| instead of max(0, z).
def relu(z):
    return np.abs(z)
