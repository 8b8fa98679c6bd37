# Classic bug: aggregating along the columns of A (A.T @ H): v gathers from the nodes that receive from it.
def message_passing(H, A, W_self, W_neigh, aggregation="sum"):
    edges = (A != 0).to(H.dtype).T
    aggregated = edges @ H
    if aggregation == "mean":
        aggregated = aggregated / edges.sum(dim=1, keepdim=True).clamp(min=1.0)
    return torch.relu(H @ W_self.T + aggregated @ W_neigh.T)
