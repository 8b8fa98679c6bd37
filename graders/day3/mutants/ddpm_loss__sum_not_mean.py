# Sum of the squared errors instead of their mean.
def ddpm_loss(eps_model, x0, t, noise, alpha_bars):
    x_t = q_sample(x0, t, noise, alpha_bars)
    return ((noise - eps_model(x_t, t)) ** 2).sum()
