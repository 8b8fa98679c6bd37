# KL with the sign flipped: the mean of log p(z) - log q(z).
def kl_monte_carlo(mu_q, logvar_q, mu_p, logvar_p, n_samples, seed):
    rng = np.random.default_rng(seed)
    z = mu_q + np.exp(0.5 * logvar_q) * rng.standard_normal((n_samples, *np.shape(mu_q)))
    return float(np.mean(gaussian_log_density(z, mu_p, logvar_p) - gaussian_log_density(z, mu_q, logvar_q)))
