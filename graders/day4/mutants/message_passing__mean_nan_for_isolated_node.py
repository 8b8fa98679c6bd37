# Classic bug: the mean divides by the degree without guarding degree 0 (0/0 = nan for an isolated node).
def message_passing(H, A, W_self, W_neigh, aggregation="sum"):
    edges = (A != 0).to(H.dtype)
    aggregated = edges @ H
    if aggregation == "mean":
        aggregated = aggregated / edges.sum(dim=1, keepdim=True)
    return torch.relu(H @ W_self.T + aggregated @ W_neigh.T)
