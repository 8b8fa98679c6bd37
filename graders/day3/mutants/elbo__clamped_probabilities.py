# Probabilities clamped to [1e-7, 1 - 1e-7] to avoid log(0): finite but wrong for large logits.
def elbo(x, x_logits, mu, logvar):
    p = torch.sigmoid(x_logits).clamp(1e-7, 1 - 1e-7)
    log_likelihood = (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(1)
    kl = 0.5 * (mu**2 + torch.exp(logvar) - 1.0 - logvar).sum(1)
    return log_likelihood - kl
