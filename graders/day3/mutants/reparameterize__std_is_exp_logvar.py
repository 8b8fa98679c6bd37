# exp(logvar) instead of exp(0.5 * logvar): the variance used as the standard deviation.
def reparameterize(mu, logvar, eps):
    return mu + torch.exp(logvar) * eps
