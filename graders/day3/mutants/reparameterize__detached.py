# The sample is cut off from the graph: no gradient reaches mu and logvar.
def reparameterize(mu, logvar, eps):
    with torch.no_grad():
        return mu + torch.exp(0.5 * logvar) * eps
