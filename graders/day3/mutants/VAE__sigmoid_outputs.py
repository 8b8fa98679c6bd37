# forward returns probabilities (a sigmoid at the end) where logits are expected.
class VAE(VAE):
    def forward(self, x):
        x_logits, mu, logvar = super().forward(x)
        return torch.sigmoid(x_logits), mu, logvar
