# KL with the sign flipped: added to the log-likelihood instead of subtracted.
def elbo(x, x_logits, mu, logvar):
    log_likelihood = (x * x_logits - F.softplus(x_logits)).sum(1)
    kl = 0.5 * (mu**2 + torch.exp(logvar) - 1.0 - logvar).sum(1)
    return log_likelihood + kl
