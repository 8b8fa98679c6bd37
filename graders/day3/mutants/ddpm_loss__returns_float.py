# .item(): a Python float, cut off from the graph (loss.backward() is impossible).
def ddpm_loss(eps_model, x0, t, noise, alpha_bars):
    x_t = q_sample(x0, t, noise, alpha_bars)
    return ((noise - eps_model(x_t, t)) ** 2).mean().item()
