# Classic bug: the hidden activation is forgotten (the network is linear).
def mlp_forward(X, W1, b1, W2, b2):
    return (X @ W1.T + b1) @ W2.T + b2
