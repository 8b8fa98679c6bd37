# KL(p ‖ q) instead of KL(q ‖ p): the KL is not symmetric.
def kl_gaussians(mu_q, logvar_q, mu_p, logvar_p):
    xp = torch if isinstance(mu_q, torch.Tensor) else np
    return 0.5 * (logvar_q - logvar_p + xp.exp(logvar_p - logvar_q) + (mu_q - mu_p) ** 2 * xp.exp(-logvar_q) - 1.0).sum(-1)
