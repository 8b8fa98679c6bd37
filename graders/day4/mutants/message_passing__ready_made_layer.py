# Rule broken: a ready-made layer of torch_geometric (refused on the source before any call).
def message_passing(H, A, W_self, W_neigh, aggregation="sum"):
    from torch_geometric.nn import SAGEConv

    return torch.relu(SAGEConv(H.shape[1], W_self.shape[0], aggr=aggregation)(H, (A != 0).nonzero().T))
