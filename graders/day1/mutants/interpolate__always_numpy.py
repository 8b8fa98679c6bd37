# Classic bug: tensors are turned into NumPy arrays and come back as such.
def interpolate(z0, z1, n_steps):
    z0, z1 = np.asarray(z0, dtype=np.float64), np.asarray(z1, dtype=np.float64)
    t = np.linspace(0.0, 1.0, n_steps)[:, None]
    return (1 - t) * z0 + t * z1
