# log(var_q / var_p) with the wrong sign: logvar_q - logvar_p instead of logvar_p - logvar_q.
def kl_gaussians(mu_q, logvar_q, mu_p, logvar_p):
    xp = torch if isinstance(mu_q, torch.Tensor) else np
    return 0.5 * (logvar_q - logvar_p + xp.exp(logvar_q - logvar_p) + (mu_q - mu_p) ** 2 * xp.exp(-logvar_p) - 1.0).sum(-1)
