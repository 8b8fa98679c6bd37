# Classic bug: the weights of z0 and z1 are swapped, the path goes from z1 to z0.
def interpolate(z0, z1, n_steps):
    if isinstance(z0, torch.Tensor):
        t = torch.linspace(0.0, 1.0, n_steps, dtype=z0.dtype).unsqueeze(1)
        return t * z0 + (1 - t) * z1
    t = np.linspace(0.0, 1.0, n_steps)[:, None]
    return t * z0 + (1 - t) * z1
