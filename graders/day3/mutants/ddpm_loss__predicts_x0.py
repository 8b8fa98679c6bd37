# Regresses the clean data x0 instead of the noise.
def ddpm_loss(eps_model, x0, t, noise, alpha_bars):
    x_t = q_sample(x0, t, noise, alpha_bars)
    return ((x0 - eps_model(x_t, t)) ** 2).mean()
