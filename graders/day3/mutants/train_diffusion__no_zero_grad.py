# optimizer.zero_grad() forgotten: gradients pile up from one iteration to the next.
def train_diffusion(x0, betas, n_iters, seed, d_hidden=64, batch_size=128, lr=1e-2):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    x0 = torch.as_tensor(x0, dtype=torch.float32)
    T = len(betas)
    alpha_bars = alpha_bar(betas)
    model = DiffusionMLP(x0.shape[1], T, d_hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(n_iters):
        rows = torch.randint(0, x0.shape[0], (batch_size,), generator=generator)
        t = torch.randint(0, T, (batch_size,), generator=generator)
        noise = torch.randn((batch_size, x0.shape[1]), generator=generator)
        loss = ddpm_loss(model, x0[rows], t, noise, alpha_bars)
        loss.backward()
        optimizer.step()
    return model
