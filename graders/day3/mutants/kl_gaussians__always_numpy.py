# Converts everything to NumPy: a torch input gets a NumPy array back.
def kl_gaussians(mu_q, logvar_q, mu_p, logvar_p):
    mu_q, logvar_q, mu_p, logvar_p = (np.asarray(a, dtype=np.float64) for a in (mu_q, logvar_q, mu_p, logvar_p))
    return 0.5 * (logvar_p - logvar_q + np.exp(logvar_q - logvar_p) + (mu_q - mu_p) ** 2 * np.exp(-logvar_p) - 1.0).sum(-1)
