# Classic bug: an MLP on the node features alone; A is never used (what the TP compares against).
class GNN(nn.Module):
    def __init__(self, d_in, d_hidden, n_classes):
        super().__init__()
        self.hidden = nn.Linear(d_in, d_hidden)
        self.out = nn.Linear(d_hidden, n_classes)

    def forward(self, H, A):
        return self.out(torch.relu(self.hidden(H)))
