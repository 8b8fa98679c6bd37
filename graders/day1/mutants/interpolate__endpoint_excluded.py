# Classic bug: t runs over i / n_steps, so z1 itself is never reached.
def interpolate(z0, z1, n_steps):
    if isinstance(z0, torch.Tensor):
        t = (torch.arange(n_steps, dtype=z0.dtype) / n_steps).unsqueeze(1)
        return z0 + t * (z1 - z0)
    t = (np.arange(n_steps) / n_steps)[:, None]
    return z0 + t * (z1 - z0)
