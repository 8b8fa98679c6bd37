# Classic bug: n_steps - 1 points (the number of steps between points, not of points).
def interpolate(z0, z1, n_steps):
    if isinstance(z0, torch.Tensor):
        t = torch.linspace(0.0, 1.0, n_steps - 1, dtype=z0.dtype).unsqueeze(1)
        return (1 - t) * z0 + t * z1
    t = np.linspace(0.0, 1.0, n_steps - 1)[:, None]
    return (1 - t) * z0 + t * z1
