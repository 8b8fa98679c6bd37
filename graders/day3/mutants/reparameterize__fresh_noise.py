# Draws its own noise instead of using the eps it is given.
def reparameterize(mu, logvar, eps):
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
