# Divides by sqrt(alpha_bar_t) instead of sqrt(alpha_t) = sqrt(1 - beta_t).
def p_sample_step(eps_model, x_t, t, betas, alpha_bars, z):
    shape = (-1,) + (1,) * (x_t.dim() - 1)
    beta = betas[t].to(x_t.dtype).reshape(shape)
    ab = alpha_bars[t].to(x_t.dtype).reshape(shape)
    eps = eps_model(x_t, t)
    mean = (x_t - beta / torch.sqrt(1.0 - ab) * eps) / torch.sqrt(ab)
    return mean + (t > 0).to(x_t.dtype).reshape(shape) * torch.sqrt(beta) * z
