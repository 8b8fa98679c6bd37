# Iterations counted in examples: range(0, n_iters, batch_size) runs n_iters / batch_size steps.
def train_diffusion(x0, betas, n_iters, seed, d_hidden=64, batch_size=128, lr=1e-2):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    x0 = torch.as_tensor(x0, dtype=torch.float32)
    T = len(betas)
    alpha_bars = alpha_bar(betas)
    model = DiffusionMLP(x0.shape[1], T, d_hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(0, n_iters, batch_size):
        rows = torch.randint(0, x0.shape[0], (batch_size,), generator=generator)
        t = torch.randint(0, T, (batch_size,), generator=generator)
        noise = torch.randn((batch_size, x0.shape[1]), generator=generator)
        loss = ddpm_loss(model, x0[rows], t, noise, alpha_bars)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model
