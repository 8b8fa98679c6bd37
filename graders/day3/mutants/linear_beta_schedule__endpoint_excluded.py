# beta_end left out: arange-style spacing (end - start) / T.
def linear_beta_schedule(T, beta_start=1e-4, beta_end=0.02):
    return beta_start + (beta_end - beta_start) * torch.arange(T, dtype=torch.float64) / T
