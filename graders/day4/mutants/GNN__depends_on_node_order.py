# Classic bug: a learnt vector per node index, so renumbering the nodes changes the predictions.
class GNN(nn.Module):
    def __init__(self, d_in, d_hidden, n_classes):
        super().__init__()
        self.self1 = nn.Linear(d_in, d_hidden, bias=False)
        self.neigh1 = nn.Linear(d_in, d_hidden, bias=False)
        self.position = nn.Parameter(torch.randn(1024, d_hidden))
        self.readout = nn.Linear(d_hidden, n_classes)

    def forward(self, H, A):
        (propagate,) = _GNN_BLOCKS
        h = propagate(H, A, self.self1.weight, self.neigh1.weight, aggregation="mean")
        return self.readout(h + self.position[: H.shape[0]])
