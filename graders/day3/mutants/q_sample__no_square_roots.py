# ab and 1 - ab used as coefficients instead of their square roots.
def q_sample(x0, t, noise, alpha_bars):
    ab = alpha_bars[t].to(x0.dtype).reshape(-1, *([1] * (x0.dim() - 1)))
    return ab * x0 + (1.0 - ab) * noise
