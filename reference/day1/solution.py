"""Reference solution of Day 1 — Algèbre linéaire et modèles paramétriques.

Conventions of the course (see the assignment): a layer is ``h = W x + b`` with
``W`` of shape ``(out, in)`` (the layout of ``torch.nn.Linear.weight``);
batched inputs are rows, so a layer applies as ``X @ W.T + b``.

``relu``, ``mlp_forward`` and ``pca_project`` are NumPy only (no torch in them
or in what they call); ``interpolate`` takes NumPy arrays or torch tensors and
returns the kind it is given; the modules and the training loop are torch.

Besides the functions of the contract, ``train_classifier`` is a graded
question of its own: the PyTorch MLP of the TP trained on the digits.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import torch
from torch import nn

# --- A two-layer MLP by hand (NumPy) -------------------------------------------


def count_mlp_parameters(layer_sizes: list[int]) -> int:
    """Weights and biases of a fully connected net with widths ``layer_sizes``.

    Each layer from width ``a`` to width ``b`` has an ``(b, a)`` weight matrix
    and ``b`` biases: ``[784, 256, 10]`` gives ``784*256 + 256 + 256*10 + 10``.
    """
    sizes = [int(size) for size in layer_sizes]
    return sum(a * b + b for a, b in pairwise(sizes))


def relu(z: np.ndarray) -> np.ndarray:
    """Elementwise ``max(0, z)``: a new array of the same shape and dtype."""
    z = np.asarray(z)
    return np.maximum(z, np.zeros((), dtype=z.dtype))


def mlp_forward(X: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """Logits ``relu(X W1ᵀ + b1) W2ᵀ + b2`` of shape ``(N, k)``."""
    X = np.asarray(X, dtype=np.float64)
    hidden = np.maximum(X @ W1.T + b1, 0.0)
    return hidden @ W2.T + b2


# --- The same MLP in PyTorch ----------------------------------------------------


class TwoLayerMLP(nn.Module):
    """``fc1`` (d_in → d_hidden), ReLU, ``fc2`` (d_hidden → d_out); ``forward`` gives logits."""

    def __init__(self, d_in: int, d_hidden: int, d_out: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc2 = nn.Linear(d_hidden, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


# The training loop builds its model with the class above, bound here once:
# redefining ``TwoLayerMLP`` afterwards (as the graders' known-wrong variants
# do) changes that question alone and leaves the training loop as written.
_CLASSIFIER = TwoLayerMLP


def train_classifier(
    X: torch.Tensor,
    y: torch.Tensor,
    d_hidden: int = 64,
    epochs: int = 10,
    lr: float = 0.1,
    batch_size: int = 32,
    seed: int = 0,
) -> tuple[nn.Module, list[float]]:
    """Mini-batch SGD on the cross-entropy of a ``TwoLayerMLP(d, d_hidden, n_classes)``.

    ``X`` is ``(N, d)`` float32, ``y`` the ``(N,)`` integer labels; the number
    of classes is ``y.max() + 1``. Each epoch visits the examples in a fresh
    random order; ``history`` holds the mean of the mini-batch losses of each
    epoch. Everything random (initialisation, order) comes from ``seed``.
    """
    X = torch.as_tensor(X, dtype=torch.float32)
    y = torch.as_tensor(y, dtype=torch.int64)
    n, d = X.shape
    torch.manual_seed(seed)
    order_rng = torch.Generator().manual_seed(seed)
    model = _CLASSIFIER(d, d_hidden, int(y.max()) + 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    history: list[float] = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=order_rng)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(X[batch]), y[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        history.append(total / n)
    return model, history


# --- Hidden activations in 2-D: PCA (NumPy) ---------------------------------------


def pca_project(H: np.ndarray, k: int = 2) -> np.ndarray:
    """Coordinates of the centred rows of ``H`` on its top-``k`` principal directions.

    The directions are the first right singular vectors of the centred matrix
    (the eigenvectors of the covariance with the largest eigenvalues). When
    ``k`` exceeds the number of directions the data spans, the extra columns
    are zeros (the centred rows have no component there).
    """
    H = np.asarray(H, dtype=np.float64)
    centred = H - H.mean(axis=0)
    _, _, Vt = np.linalg.svd(centred, full_matrices=False)
    scores = centred @ Vt[:k].T
    if scores.shape[1] < k:
        scores = np.hstack([scores, np.zeros((H.shape[0], k - scores.shape[1]))])
    return scores


# --- Autoencoder with a small latent space -------------------------------------------


class Autoencoder(nn.Module):
    """``encode``: d_in → d_hidden → d_latent; ``decode``: d_latent → d_hidden → d_in.

    The decoder ends with a sigmoid: the images of the TP have pixels in [0, 1].
    """

    def __init__(self, d_in: int, d_latent: int, d_hidden: int) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(d_in, d_hidden), nn.ReLU(), nn.Linear(d_hidden, d_latent))
        self.decoder = nn.Sequential(
            nn.Linear(d_latent, d_hidden), nn.ReLU(), nn.Linear(d_hidden, d_in), nn.Sigmoid()
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def interpolate(
    z0: np.ndarray | torch.Tensor, z1: np.ndarray | torch.Tensor, n_steps: int
) -> np.ndarray | torch.Tensor:
    """``n_steps`` evenly spaced points from ``z0`` to ``z1``, both included, as rows.

    Row ``i`` is ``(1 - t_i) z0 + t_i z1`` with ``t_i = i / (n_steps - 1)``, so
    the first row is exactly ``z0`` and the last exactly ``z1``. Tensors in,
    tensor out (in their dtype); anything else comes back as a NumPy array.
    """
    if isinstance(z0, torch.Tensor) or isinstance(z1, torch.Tensor):
        z0, z1 = torch.as_tensor(z0), torch.as_tensor(z1)
        dtype = torch.promote_types(z0.dtype, z1.dtype)
        if not dtype.is_floating_point:
            dtype = torch.get_default_dtype()
        t = torch.linspace(0.0, 1.0, n_steps, dtype=dtype).unsqueeze(1)
        return (1 - t) * z0.to(dtype) + t * z1.to(dtype)
    z0 = np.asarray(z0, dtype=np.float64)
    z1 = np.asarray(z1, dtype=np.float64)
    t = np.linspace(0.0, 1.0, n_steps)[:, None]
    return (1.0 - t) * z0 + t * z1
