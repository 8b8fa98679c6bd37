# np.linspace: a NumPy array where a torch tensor is expected.
def linear_beta_schedule(T, beta_start=1e-4, beta_end=0.02):
    return np.linspace(beta_start, beta_end, T)
