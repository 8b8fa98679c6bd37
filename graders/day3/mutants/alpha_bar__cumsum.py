# cumsum instead of cumprod.
def alpha_bar(betas):
    return torch.cumsum(1.0 - betas, dim=0)
