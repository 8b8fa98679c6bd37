"""Hidden graders of ``message_passing``: one layer ``relu(H W_selfᵀ + AGG(H) W_neighᵀ)``.

Row ``v`` of ``AGG(H)`` gathers the rows ``H[u]`` with ``A[v, u] != 0``: their
sum, or their mean with ``aggregation="mean"``; a node without neighbours
aggregates zeros. The layer must be written with tensor operations (the
gradient test runs autograd through it, next to the student's code) and
without a ready-made GNN layer (checked on the source).

Tolerance: in float64, each output is relu of two matrix products over at
most d_in = 6 terms, after a sum (or mean) of at most n = 9 rows, so any
arrangement is exact to ~1e-15 of the scale of the values (O(1) here).
rtol = 1e-10 with atol = 1e-10 leaves a margin of 1e4. In float32 the same
bound is ~1e-6, hence rtol = atol = 1e-5 there. Wrong answers differ by
O(1): aggregation along the columns of ``A`` instead of the rows (directed
graphs), NaN for an isolated node in the mean, edge weights used as
coefficients, the two weight matrices swapped, the ReLU forgotten.
"""

import numpy as np
import torch

from tpgrade.grader import PyFunction, expect, expect_array, expect_tuple, question, reference

ref = reference("day4")

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
RTOL = 1e-10

GRADIENT_PROBE = PyFunction(
    "def message_passing_gradients(H, A, W_self, W_neigh, G, aggregation):\n"
    "    import torch\n"
    "    leaves = [t.clone().requires_grad_(True) for t in (H, W_self, W_neigh)]\n"
    "    out = submission['message_passing'](leaves[0], A, leaves[1], leaves[2], aggregation=aggregation)\n"
    "    return tuple(trusted.grad(torch.sum(out * G), leaves, allow_unused=True))\n",
    "message_passing_gradients",
)


def tensor_values(got, like, what):
    """``got`` must be a tensor of the dtype of the inputs; its values as an ndarray."""
    expect(
        isinstance(got, torch.Tensor),
        f"{what} doit être un torch.Tensor, pas un objet de type {type(got).__name__}",
    )
    expect(
        got.dtype == like.dtype,
        f"{what} a le type {got.dtype} ; il doit garder celui des entrées ({like.dtype})",
    )
    return got.numpy()


def random_graph(rng, n, p, directed=False):
    """A 0/1 adjacency without self-loops (float64 tensor)."""
    edges = rng.random((n, n)) < p
    if not directed:
        edges = np.triu(edges, 1)
        edges = edges | edges.T
    np.fill_diagonal(edges, False)
    return edges.astype(np.float64)


def layer(rng, n, d_in, d_out, dtype=torch.float64):
    H = torch.tensor(rng.normal(size=(n, d_in)), dtype=dtype)
    W_self = torch.tensor(rng.normal(size=(d_out, d_in)) / np.sqrt(d_in), dtype=dtype)
    W_neigh = torch.tensor(rng.normal(size=(d_out, d_in)) / np.sqrt(d_in), dtype=dtype)
    return H, W_self, W_neigh


def check(student, H, A, W_self, W_neigh, aggregation, what, rtol=RTOL, atol=RTOL):
    expected = ref.message_passing(H, A, W_self, W_neigh, aggregation=aggregation).numpy()
    got = student.message_passing(H, A, W_self, W_neigh, aggregation=aggregation)
    expect_array(
        tensor_values(got, H, "la sortie de message_passing"),
        expected,
        rtol=rtol,
        atol=atol,
        what=f"la sortie de message_passing ({what}, aggregation={aggregation!r})",
    )


def with_isolated_node(rng, A):
    """Cut every edge of one node, and leave another with a single neighbour."""
    A = A.copy()
    isolated, lonely = rng.choice(A.shape[0], size=2, replace=False)
    A[isolated, :] = A[:, isolated] = 0.0
    others = [u for u in range(A.shape[0]) if u not in (isolated, lonely)]
    A[lonely, :] = A[:, lonely] = 0.0
    friend = int(rng.choice(others))
    A[lonely, friend] = A[friend, lonely] = 1.0
    return A


@question("message_passing", points=0.75, forbid=FORBIDDEN)
def test_sum_aggregation(student, rng):
    H, W_self, W_neigh = layer(rng, 7, 4, 5)
    A = torch.tensor(random_graph(rng, 7, 0.4))
    check(student, H, A, W_self, W_neigh, "sum", "graphe de 7 nœuds")
    # The default aggregation is the sum.
    expected = ref.message_passing(H, A, W_self, W_neigh).numpy()
    expect_array(
        tensor_values(student.message_passing(H, A, W_self, W_neigh), H, "la sortie"),
        expected,
        rtol=RTOL,
        atol=RTOL,
        what="la sortie de message_passing avec l'agrégation par défaut",
    )


@question("message_passing", points=0.75, forbid=FORBIDDEN)
def test_mean_aggregation_and_isolated_node(student, rng):
    H, W_self, W_neigh = layer(rng, 8, 3, 6)
    A = torch.tensor(with_isolated_node(rng, random_graph(rng, 8, 0.5)))
    check(student, H, A, W_self, W_neigh, "mean", "un nœud isolé, un nœud à un seul voisin")
    check(student, H, A, W_self, W_neigh, "sum", "un nœud isolé, un nœud à un seul voisin")


@question("message_passing", points=0.5, forbid=FORBIDDEN)
def test_directed_graph(student, rng):
    # A[v, u] != 0 means that v receives from u: on a directed graph, aggregating
    # along the columns of A (A.T @ H) gives other rows.
    H, W_self, W_neigh = layer(rng, 9, 5, 4)
    A = torch.tensor(random_graph(rng, 9, 0.35, directed=True))
    check(student, H, A, W_self, W_neigh, "sum", "graphe orienté, A non symétrique")
    check(student, H, A, W_self, W_neigh, "mean", "graphe orienté, A non symétrique")


@question("message_passing", points=0.25, forbid=FORBIDDEN)
def test_weighted_adjacency(student, rng):
    # Only A[v, u] != 0 counts: the values of A are not coefficients.
    H, W_self, W_neigh = layer(rng, 6, 4, 3)
    A = random_graph(rng, 6, 0.6)
    A = A * rng.choice([0.5, 2.0, 3.0], size=A.shape)
    A = torch.tensor(np.maximum(A, A.T))
    check(student, H, A, W_self, W_neigh, "sum", "matrice d'adjacence à valeurs autres que 1")
    check(student, H, A, W_self, W_neigh, "mean", "matrice d'adjacence à valeurs autres que 1")


@question("message_passing", points=0.25, forbid=FORBIDDEN)
def test_single_node_and_float32(student, rng):
    H, W_self, W_neigh = layer(rng, 1, 3, 2)
    A = torch.zeros((1, 1), dtype=torch.float64)
    check(student, H, A, W_self, W_neigh, "mean", "un seul nœud, sans voisin")
    H, W_self, W_neigh = layer(rng, 5, 4, 3, dtype=torch.float32)
    A = torch.tensor(random_graph(rng, 5, 0.5), dtype=torch.float32)
    check(student, H, A, W_self, W_neigh, "mean", "tenseurs float32", rtol=1e-5, atol=1e-5)


@question("message_passing", points=0.5, forbid=FORBIDDEN)
def test_gradients(student, rng):
    # Autograd through the student's layer, in their process: the gradients of
    # sum(out * G) with respect to H, W_self and W_neigh. They are exact sums of
    # products (float64), hence the same tolerance as the values.
    H, W_self, W_neigh = layer(rng, 7, 4, 3)
    A = torch.tensor(with_isolated_node(rng, random_graph(rng, 7, 0.5)))
    G = torch.tensor(rng.normal(size=(7, 3)))
    leaves = [t.clone().requires_grad_(True) for t in (H, W_self, W_neigh)]
    torch.sum(ref.message_passing(leaves[0], A, leaves[1], leaves[2], aggregation="mean") * G).backward()
    got = expect_tuple(student.run(GRADIENT_PROBE, H, A, W_self, W_neigh, G, "mean"), 3, what="les gradients")
    for name, grad, leaf in zip(("H", "W_self", "W_neigh"), got, leaves, strict=True):
        expect(
            grad is not None,
            f"aucun gradient n'atteint {name} : la couche doit rester dans le graphe de calcul de torch",
        )
        expect_array(
            tensor_values(grad, H, f"le gradient par rapport à {name}"),
            leaf.grad.numpy(),
            rtol=RTOL,
            atol=RTOL,
            what=f"le gradient par rapport à {name}",
        )
