# Classic bug: encode stops at the hidden layer, so the code is d_hidden wide, not d_latent.
class Autoencoder(nn.Module):
    def __init__(self, d_in, d_latent, d_hidden):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(d_in, d_hidden), nn.ReLU())
        self.decoder = nn.Sequential(
            nn.Linear(d_hidden, d_hidden), nn.ReLU(), nn.Linear(d_hidden, d_in), nn.Sigmoid()
        )

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))
