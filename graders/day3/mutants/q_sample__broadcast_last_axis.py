# ab[t] of shape (N,) broadcast against the last axis instead of the batch axis.
def q_sample(x0, t, noise, alpha_bars):
    ab = alpha_bars[t].to(x0.dtype)
    return torch.sqrt(ab) * x0 + torch.sqrt(1.0 - ab) * noise
