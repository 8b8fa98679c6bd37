# Classic bug: the layer goes through NumPy and back: right values, but autograd cannot train it.
def message_passing(H, A, W_self, W_neigh, aggregation="sum"):
    h, a = H.detach().numpy(), (A != 0).numpy().astype(H.detach().numpy().dtype)
    aggregated = a @ h
    if aggregation == "mean":
        aggregated = aggregated / np.maximum(a.sum(axis=1, keepdims=True), 1.0)
    out = h @ W_self.detach().numpy().T + aggregated @ W_neigh.detach().numpy().T
    return torch.from_numpy(np.maximum(out, 0.0))
