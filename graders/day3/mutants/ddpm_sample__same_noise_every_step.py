# One z drawn once and reused at every step: the noises are not independent.
@torch.no_grad()
def ddpm_sample(eps_model, shape, betas, seed):
    shape = tuple(int(size) for size in shape)
    generator = torch.Generator().manual_seed(int(seed))
    alpha_bars = alpha_bar(betas)
    x = torch.randn(shape, generator=generator)
    z = torch.randn(shape, generator=generator)
    for t in range(len(betas) - 1, -1, -1):
        t_batch = torch.full((shape[0],), t, dtype=torch.long)
        x = p_sample_step(eps_model, x, t_batch, betas, alpha_bars, z)
    return x
