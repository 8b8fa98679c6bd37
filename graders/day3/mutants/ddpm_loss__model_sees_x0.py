# The model is given the clean x0 instead of the noised x_t.
def ddpm_loss(eps_model, x0, t, noise, alpha_bars):
    return ((noise - eps_model(x0, t)) ** 2).mean()
