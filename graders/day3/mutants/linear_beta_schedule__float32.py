# torch.linspace without dtype: float32, not the float64 the contract asks.
def linear_beta_schedule(T, beta_start=1e-4, beta_end=0.02):
    return torch.linspace(beta_start, beta_end, T)
