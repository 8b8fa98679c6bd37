# Constructor arguments in the wrong order: VAE(d_in, d_hidden, d_latent).
class VAE(VAE):
    def __init__(self, d_in, d_latent, d_hidden):
        super().__init__(d_in, d_hidden, d_latent)
