# Classic bug: weights kept as plain tensors, not nn.Parameter: model.parameters() is empty, nothing trains.
class GNN(nn.Module):
    def __init__(self, d_in, d_hidden, n_classes):
        super().__init__()
        self.W = [torch.randn(d_hidden, d_in) / d_in**0.5 for _ in range(2)]
        self.W_out = torch.randn(n_classes, d_hidden) / d_hidden**0.5

    def forward(self, H, A):
        (propagate,) = _GNN_BLOCKS
        return propagate(H, A, self.W[0], self.W[1], aggregation="mean") @ self.W_out.T
