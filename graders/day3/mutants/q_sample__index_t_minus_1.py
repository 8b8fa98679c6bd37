# Wrong alpha_bar indexing: ab[t - 1] instead of ab[t] (t - 1 = -1 reads the last one).
def q_sample(x0, t, noise, alpha_bars):
    ab = alpha_bars[t - 1].to(x0.dtype).reshape(-1, *([1] * (x0.dim() - 1)))
    return torch.sqrt(ab) * x0 + torch.sqrt(1.0 - ab) * noise
