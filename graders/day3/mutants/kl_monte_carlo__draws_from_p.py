# Draws z from p instead of q.
def kl_monte_carlo(mu_q, logvar_q, mu_p, logvar_p, n_samples, seed):
    rng = np.random.default_rng(seed)
    z = mu_p + np.exp(0.5 * logvar_p) * rng.standard_normal((n_samples, *np.shape(mu_p)))
    return float(np.mean(gaussian_log_density(z, mu_q, logvar_q) - gaussian_log_density(z, mu_p, logvar_p)))
