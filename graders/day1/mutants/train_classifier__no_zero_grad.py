# Classic bug: optimizer.zero_grad() forgotten, gradients pile up from step to step.
def train_classifier(X, y, d_hidden=64, epochs=10, lr=0.1, batch_size=32, seed=0):
    n, d = X.shape
    torch.manual_seed(seed)
    order_rng = torch.Generator().manual_seed(seed)
    model = TwoLayerMLP(d, d_hidden, int(y.max()) + 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=order_rng)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            loss = loss_fn(model(X[batch]), y[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        history.append(total / n)
    return model, history
