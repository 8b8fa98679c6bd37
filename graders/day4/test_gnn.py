"""Hidden graders of ``GNN``: a node classifier built from message passing, trained by the judge.

``GNN(d_in, d_hidden, n_classes)`` is an ``nn.Module`` whose ``forward(H, A)``
returns logits ``(n, n_classes)`` for node features ``H`` ``(n, d_in)`` and an
adjacency ``A`` ``(n, n)``. It must be permutation equivariant, and it must use
the graph: on a graph where the features alone say little, it has to beat by
far what any model that ignores the graph (an MLP) can reach.

The data: a stochastic block model of 3 classes of 100 nodes, an edge with
probability 0.2 inside a class and 0.01 between classes (so ~20 neighbours
of the same class and ~2 of the others), features ``0.8 e_y + N(0, I_8)``.
30 % of the nodes are labelled; the accuracy is measured on the other 210.
The training loop is the judge's (run next to the student's code; public):
Adam, lr 0.02, weight decay 5e-4, 200 full-batch epochs, d_hidden = 16,
fixed seeds; it takes ~0.2 s of CPU for the reference (one thread).

Threshold: test accuracy >= 0.70.
- From below (a calculation): with the features alone, the best possible
  rule (Bayes: the class of the largest of the first 3 coordinates) is right
  with probability P(0.8 + z_0 > max(z_1, z_2)) = 0.575; a model trained on
  90 labels does no better on average, and the accuracy on 210 test nodes has
  a standard deviation of at most sqrt(0.575 * 0.425 / 210) = 0.034, so 0.70
  is 3.7 standard deviations above the best a graph-blind model can expect
  (a chance below 1e-4). Measured over 50 graphs with this loop, an MLP gets
  0.36 to 0.56 (mean 0.45): 7 standard deviations below the threshold.
- From above (a measurement over 50 graphs): the reference (two mean
  layers) gets 0.957 to 1.00, a margin of 0.26; a variant with sum
  aggregation 0.986 to 1.00; a single message-passing layer and a linear
  read-out, the weakest sensible design, 0.82 to 0.99.
The test suite runs this grader on 50 seeds: the reference passes them all,
a model that ignores the graph fails them all.
"""

import numpy as np
import torch

from tpgrade.grader import PyFunction, expect, expect_array, question

FORBIDDEN = (
    "torch_geometric",
    "torch_scatter",
    "torch_sparse",
    "dgl",
    "MessagePassing",
    "GCNConv",
    "SAGEConv",
    "GraphConv",
    "GATConv",
    "GINConv",
)

N_PER_CLASS, N_CLASSES, D_FEATURES = 100, 3, 8
P_IN, P_OUT, SIGNAL, LABELLED = 0.2, 0.01, 0.8, 0.3
D_HIDDEN, EPOCHS, LR, WEIGHT_DECAY = 16, 200, 0.02, 5e-4
THRESHOLD = 0.70

TRAINING_PROBE = PyFunction(
    "def train_gnn(H, A, train_idx, y_train, n_classes, d_hidden, epochs, lr, weight_decay, seed):\n"
    "    import torch\n"
    "    torch.manual_seed(seed)\n"
    "    model = submission['GNN'](H.shape[1], d_hidden, n_classes)\n"
    "    params = trusted.parameters(model)\n"
    "    if not params:\n"
    "        raise ValueError('GNN n\\'a aucun paramètre entraînable (nn.Parameter ou nn.Linear)')\n"
    "    optimizer = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)\n"
    "    for _ in range(epochs):\n"
    "        loss = torch.nn.functional.cross_entropy(model(H, A)[train_idx], y_train)\n"
    "        optimizer.zero_grad()\n"
    "        loss.backward()\n"
    "        optimizer.step()\n"
    "    with torch.no_grad():\n"
    "        return model(H, A)\n",
    "train_gnn",
)


def block_model_graph(rng):
    """Features ``(n, d)``, symmetric 0/1 adjacency ``(n, n)`` and labels of a stochastic block model."""
    y = np.repeat(np.arange(N_CLASSES), N_PER_CLASS)
    probability = np.where(y[:, None] == y[None, :], P_IN, P_OUT)
    upper = np.triu(rng.random(probability.shape) < probability, 1)
    A = (upper | upper.T).astype(np.float32)
    H = SIGNAL * np.eye(N_CLASSES, D_FEATURES)[y] + rng.normal(size=(len(y), D_FEATURES))
    return H.astype(np.float32), A, y


def logits_of(got, n, what):
    expect(
        isinstance(got, torch.Tensor),
        f"{what} doit être un torch.Tensor, pas un objet de type {type(got).__name__}",
    )
    expect(
        tuple(got.shape) == (n, N_CLASSES),
        f"{what} a la forme {tuple(got.shape)}, la forme attendue est ({n}, {N_CLASSES})",
    )
    values = got.detach().to(torch.float64).numpy()
    expect(bool(np.all(np.isfinite(values))), f"{what} contient des valeurs non finies (nan ou inf)")
    return values


def train_and_score(student, rng):
    """Test accuracy of the student's GNN trained by the judge's loop on a fresh graph."""
    H, A, y = block_model_graph(rng)
    order = rng.permutation(len(y))
    n_train = int(LABELLED * len(y))
    train_idx, test_idx = order[:n_train], order[n_train:]
    seed = int(rng.integers(2**31))
    got = student.run(
        TRAINING_PROBE,
        torch.from_numpy(H),
        torch.from_numpy(A),
        torch.from_numpy(train_idx),
        torch.from_numpy(y[train_idx]),
        N_CLASSES,
        D_HIDDEN,
        EPOCHS,
        LR,
        WEIGHT_DECAY,
        seed,
    )
    logits = logits_of(got, len(y), "les logits du GNN entraîné")
    return float(np.mean(logits[test_idx].argmax(axis=1) == y[test_idx]))


@question("GNN", points=1.0, forbid=FORBIDDEN, timeout=30)
def test_forward_is_permutation_equivariant(student, rng):
    n = 9
    H = rng.normal(size=(n, 5)).astype(np.float32)
    upper = np.triu(rng.random((n, n)) < 0.4, 1)
    A = (upper | upper.T).astype(np.float32)
    A[0, :] = A[:, 0] = 0.0  # an isolated node
    model = student.call("GNN", 5, 8, N_CLASSES)
    logits = logits_of(
        student.method(model, "forward", torch.from_numpy(H), torch.from_numpy(A)), n, "la sortie de forward"
    )
    # Renumbering the nodes renumbers the outputs. float32 sums taken in another
    # order differ by ~1e-7 relative on O(1) values: rtol = atol = 1e-4 is loose
    # for that and tight for a model that depends on the node order (O(0.1)).
    p = rng.permutation(n)
    permuted = logits_of(
        student.method(model, "forward", torch.from_numpy(H[p]), torch.from_numpy(A[np.ix_(p, p)])),
        n,
        "la sortie de forward sur le graphe renuméroté",
    )
    expect_array(
        permuted,
        logits[p],
        rtol=1e-4,
        atol=1e-4,
        what="la sortie de forward sur le graphe renuméroté (équivariance par permutation)",
    )
    # Another graph size with the same weights, and a graph of one node.
    logits_of(
        student.method(model, "forward", torch.from_numpy(H[:4]), torch.from_numpy(A[:4, :4])),
        4,
        "la sortie de forward sur un graphe de 4 nœuds",
    )
    logits_of(
        student.method(model, "forward", torch.from_numpy(H[:1]), torch.zeros((1, 1))),
        1,
        "la sortie de forward sur un graphe d'un seul nœud",
    )


@question("GNN", points=2.0, forbid=FORBIDDEN, timeout=60)
def test_training_uses_the_graph(student, rng):
    accuracy = train_and_score(student, rng)
    expect(
        accuracy >= THRESHOLD,
        f"après l'entraînement, la précision sur les nœuds de test est {accuracy:.2f} ; il faut au "
        f"moins {THRESHOLD:.2f} (un MLP qui ignore le graphe ne dépasse pas ~0.6) : le modèle "
        "utilise-t-il bien les voisins ?",
    )
