# Classic bug: W_self applied to the neighbours and W_neigh to the node itself.
def message_passing(H, A, W_self, W_neigh, aggregation="sum"):
    edges = (A != 0).to(H.dtype)
    aggregated = edges @ H
    if aggregation == "mean":
        aggregated = aggregated / edges.sum(dim=1, keepdim=True).clamp(min=1.0)
    return torch.relu(H @ W_neigh.T + aggregated @ W_self.T)
