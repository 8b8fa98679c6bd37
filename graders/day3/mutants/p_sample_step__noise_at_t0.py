# Noise added at t == 0 too: the last step must return the mean.
def p_sample_step(eps_model, x_t, t, betas, alpha_bars, z):
    shape = (-1,) + (1,) * (x_t.dim() - 1)
    beta = betas[t].to(x_t.dtype).reshape(shape)
    ab = alpha_bars[t].to(x_t.dtype).reshape(shape)
    eps = eps_model(x_t, t)
    return (x_t - beta / torch.sqrt(1.0 - ab) * eps) / torch.sqrt(1.0 - beta) + torch.sqrt(beta) * z
