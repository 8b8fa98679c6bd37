# z detached from the encoder: the reconstruction cannot train it (posterior collapse).
class VAE(VAE):
    def forward(self, x):
        mu, logvar = self.encode(x)
        z = (mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)).detach()
        return self.decode(z), mu, logvar
