# Keeps a wide convolution's weights in a plain list, where nn.Module does not see them: 23 000 values the count must still find.
class SmallCNN(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.extra = [torch.randn(160, 16, 3, 3) * 0.05, torch.zeros(160)]
        for tensor in self.extra:
            tensor.requires_grad_(True)
        self.fc = nn.Linear(160, n_classes)

    def forward(self, x):
        h = torch.relu(self.conv1(x))
        h = torch.relu(torch.nn.functional.conv2d(h, self.extra[0], self.extra[1], padding=1))
        return self.fc(h.amax(dim=(2, 3)))
