# Exclusive product: alpha_bar[t] = prod_{s < t} (1 - beta_s), one step late.
def alpha_bar(betas):
    return torch.cat([torch.ones(1, dtype=betas.dtype), torch.cumprod(1.0 - betas, dim=0)[:-1]])
