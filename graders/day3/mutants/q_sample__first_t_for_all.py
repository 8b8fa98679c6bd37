# One t for the whole batch: t[0] used for every example.
def q_sample(x0, t, noise, alpha_bars):
    ab = alpha_bars[t[0]].to(x0.dtype)
    return torch.sqrt(ab) * x0 + torch.sqrt(1.0 - ab) * noise
