# The reverse chain run the wrong way: t = 0, 1, ..., T-1.
@torch.no_grad()
def ddpm_sample(eps_model, shape, betas, seed):
    shape = tuple(int(size) for size in shape)
    generator = torch.Generator().manual_seed(int(seed))
    alpha_bars = alpha_bar(betas)
    x = torch.randn(shape, generator=generator)
    for t in range(len(betas)):
        t_batch = torch.full((shape[0],), t, dtype=torch.long)
        x = p_sample_step(eps_model, x, t_batch, betas, alpha_bars, torch.randn(shape, generator=generator))
    return x
