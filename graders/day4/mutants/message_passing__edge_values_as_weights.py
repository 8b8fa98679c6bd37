# Classic bug: A @ H uses the values of A as weights (and divides by their sum), not only A != 0.
def message_passing(H, A, W_self, W_neigh, aggregation="sum"):
    aggregated = A @ H
    if aggregation == "mean":
        aggregated = aggregated / A.sum(dim=1, keepdim=True).clamp(min=1.0)
    return torch.relu(H @ W_self.T + aggregated @ W_neigh.T)
