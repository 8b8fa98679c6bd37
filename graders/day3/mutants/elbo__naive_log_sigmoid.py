# log(sigmoid(l)) and log(1 - sigmoid(l)) computed directly: -inf / nan for logits of ±100.
def elbo(x, x_logits, mu, logvar):
    p = torch.sigmoid(x_logits)
    log_likelihood = (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(1)
    kl = 0.5 * (mu**2 + torch.exp(logvar) - 1.0 - logvar).sum(1)
    return log_likelihood - kl
