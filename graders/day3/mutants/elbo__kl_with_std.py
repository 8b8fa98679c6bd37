# The KL uses the standard deviation exp(0.5 * logvar) where the variance exp(logvar) belongs.
def elbo(x, x_logits, mu, logvar):
    log_likelihood = (x * x_logits - F.softplus(x_logits)).sum(1)
    kl = 0.5 * (mu**2 + torch.exp(0.5 * logvar) - 1.0 - logvar).sum(1)
    return log_likelihood - kl
