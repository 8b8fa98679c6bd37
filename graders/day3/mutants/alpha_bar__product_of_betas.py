# Cumulative product of the betas instead of the alphas = 1 - betas.
def alpha_bar(betas):
    return torch.cumprod(betas, dim=0)
