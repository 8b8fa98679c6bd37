"""Public tests of Day 4: small examples worked out by hand, and properties.

They run on your own machine (``tpgrade check day4 tp_day4.ipynb``) or in the
notebook (``from tpgrade.notebook import check; check("day4")``). The hidden
graders test more cases (other shapes, masks, directed graphs, gradients) and
train your GNN and your SmallCNN.
"""

import numpy as np
import torch

from tpgrade.grader import PyFunction, expect, expect_array, expect_scalar, expect_tuple, question

GRAPH_FORBIDDEN = (
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
ATTENTION_FORBIDDEN = (
    "scaled_dot_product_attention",
    "MultiheadAttention",
    "multi_head_attention_forward",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
)

# Counted without asking the model: the values of every tensor it holds, or the
# weights its output depends on (autograd graph of a forward pass), the larger.
COUNT_PARAMETERS = PyFunction(
    "def count_parameters(model, x):\n"
    "    held, problems = trusted.count_tensor_values(model)\n"
    "    if problems:\n"
    "        return problems[0]\n"
    "    used = sum(trusted.numel(leaf) for leaf in trusted.graph_leaves(model(x)))\n"
    "    return max(held, used)\n",
    "count_parameters",
)


def tensor_values(got, what):
    expect(
        isinstance(got, torch.Tensor),
        f"{what} doit être un torch.Tensor, pas un objet de type {type(got).__name__}",
    )
    return got.detach().to(torch.float64).numpy()


@question("conv2d_valid", numpy_only=True)
def test_conv2d_valid_small_example(student, rng):
    x = np.arange(20.0).reshape(4, 5)
    # k = [[1, 0], [0, -1]]: out[i, j] = x[i, j] - x[i + 1, j + 1] = -6 everywhere, shape 3×4.
    expect_array(
        student.conv2d_valid(x, np.array([[1.0, 0.0], [0.0, -1.0]])),
        np.full((3, 4), -6.0),
        rtol=1e-12,
        atol=1e-12,
        what="conv2d_valid sur un exemple 4×5 avec un noyau 2×2",
    )
    # k = [[1, 2]] (1×2, not flipped): out[i, j] = x[i, j] + 2 x[i, j + 1].
    expect_array(
        student.conv2d_valid(x, np.array([[1.0, 2.0]])),
        x[:, :-1] + 2 * x[:, 1:],
        rtol=1e-12,
        atol=1e-12,
        what="conv2d_valid avec un noyau 1×2 (pas de retournement)",
    )


@question("translate")
def test_translate_small_example(student, rng):
    image = np.arange(1.0, 10.0).reshape(1, 3, 3)
    expect_array(
        student.translate(image, 1, 0),
        np.array([[[0, 1, 2], [0, 4, 5], [0, 7, 8]]], dtype=float),
        rtol=0,
        atol=0,
        what="translate(image, dx=1, dy=0)",
    )
    expect_array(
        student.translate(image, -1, 1),
        np.array([[[0, 0, 0], [2, 3, 0], [5, 6, 0]]], dtype=float),
        rtol=0,
        atol=0,
        what="translate(image, dx=-1, dy=1)",
    )
    expect_array(student.translate(image, 0, 0), image, rtol=0, atol=0, what="translate(image, 0, 0)")


@question("count_conv_parameters")
def test_count_conv_parameters_examples(student, rng):
    expect_scalar(
        student.count_conv_parameters(3, 1, 16), 160, rtol=0, atol=0, what="count_conv_parameters(3, 1, 16)"
    )
    expect_scalar(
        student.count_conv_parameters(3, 16, 32, bias=False),
        4608,
        rtol=0,
        atol=0,
        what="count_conv_parameters(3, 16, 32, bias=False)",
    )


@question("message_passing", forbid=GRAPH_FORBIDDEN)
def test_message_passing_path_graph(student, rng):
    # Path 0 - 1 - 2 and an isolated node 3; identity weights: out = relu(H + AGG(H)).
    H = torch.tensor([[1.0, -2.0], [3.0, 0.5], [-1.0, 1.0], [2.0, -4.0]], dtype=torch.float64)
    A = torch.tensor([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]], dtype=torch.float64)
    identity = torch.eye(2, dtype=torch.float64)
    sums = np.array([[3.0, 0.5], [0.0, -1.0], [3.0, 0.5], [0.0, 0.0]])
    means = np.array([[3.0, 0.5], [0.0, -0.5], [3.0, 0.5], [0.0, 0.0]])
    for aggregation, aggregated in (("sum", sums), ("mean", means)):
        got = student.message_passing(H, A, identity, identity, aggregation=aggregation)
        expect_array(
            tensor_values(got, "la sortie de message_passing"),
            np.maximum(H.numpy() + aggregated, 0),
            rtol=1e-12,
            atol=1e-12,
            what=f"message_passing sur un chemin (aggregation={aggregation!r})",
        )


@question("self_attention", forbid=ATTENTION_FORBIDDEN)
def test_self_attention_properties(student, rng):
    X = torch.tensor(rng.normal(size=(4, 3)))
    W_k, W_v = torch.tensor(rng.normal(size=(2, 3))), torch.tensor(rng.normal(size=(5, 3)))
    # Zero queries: every score is 0, so the weights are uniform and Y is the mean of the values.
    out = expect_tuple(
        student.self_attention(X, torch.zeros((2, 3), dtype=torch.float64), W_k, W_v),
        2,
        what="le résultat de self_attention (Y, A)",
    )
    expect_array(
        tensor_values(out[1], "A"),
        np.full((4, 4), 0.25),
        rtol=1e-12,
        atol=1e-12,
        what="A quand toutes les requêtes sont nulles",
    )
    V = (X @ W_v.T).numpy()
    expect_array(
        tensor_values(out[0], "Y"),
        np.tile(V.mean(axis=0), (4, 1)),
        rtol=1e-10,
        atol=1e-12,
        what="Y quand toutes les requêtes sont nulles",
    )
    # Causal mask: nothing above the diagonal, the first position only sees itself, rows sum to 1.
    causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
    W_q = torch.tensor(rng.normal(size=(2, 3)))
    out = expect_tuple(
        student.self_attention(X, W_q, W_k, W_v, mask=causal), 2, what="le résultat de self_attention (Y, A)"
    )
    A = tensor_values(out[1], "A")
    expect(A.shape == (4, 4), f"A a la forme {A.shape}, la forme attendue est (4, 4)")
    expect_array(
        A[np.triu_indices(4, 1)],
        np.zeros(6),
        rtol=0,
        atol=1e-12,
        what="les poids cachés par le masque causal",
    )
    expect_array(A.sum(axis=1), np.ones(4), rtol=1e-12, atol=1e-12, what="la somme de chaque ligne de A")
    expect_scalar(A[0, 0], 1.0, rtol=1e-12, atol=1e-12, what="A[0, 0] avec un masque causal")
    # A batch of 2 sequences: shapes (2, 4, 5) and (2, 4, 4).
    out = expect_tuple(
        student.self_attention(torch.stack([X, X.flip(0)]), W_q, W_k, W_v),
        2,
        what="le résultat de self_attention sur un lot",
    )
    expect(
        tuple(tensor_values(out[0], "Y").shape) == (2, 4, 5)
        and tuple(tensor_values(out[1], "A").shape) == (2, 4, 4),
        "sur un lot (2, 4, 3), Y doit être de forme (2, 4, 5) et A de forme (2, 4, 4)",
    )


@question("GNN", forbid=GRAPH_FORBIDDEN)
def test_gnn_shape_and_equivariance(student, rng):
    H = torch.tensor(rng.normal(size=(6, 4)), dtype=torch.float32)
    A = torch.tensor(
        [
            [0, 1, 1, 0, 0, 0],
            [1, 0, 0, 0, 0, 0],
            [1, 0, 0, 1, 0, 0],
            [0, 0, 1, 0, 1, 0],
            [0, 0, 0, 1, 0, 0],
            [0, 0, 0, 0, 0, 0],
        ],
        dtype=torch.float32,
    )
    model = student.call("GNN", 4, 8, 3)
    logits = tensor_values(student.method(model, "forward", H, A), "la sortie de forward")
    expect(
        logits.shape == (6, 3),
        f"la sortie de forward a la forme {logits.shape}, la forme attendue est (6, 3)",
    )
    p = torch.tensor([5, 2, 0, 4, 1, 3])
    permuted = tensor_values(student.method(model, "forward", H[p], A[p][:, p]), "la sortie de forward")
    expect_array(
        permuted,
        logits[p.numpy()],
        rtol=1e-4,
        atol=1e-4,
        what="la sortie sur le graphe renuméroté (équivariance par permutation)",
    )


@question("SmallCNN")
def test_small_cnn_shapes_and_size(student, rng):
    model = student.call("SmallCNN")
    for size in (14, 8):
        x = torch.tensor(rng.uniform(size=(3, 1, size, size)), dtype=torch.float32)
        logits = tensor_values(student.method(model, "forward", x), "la sortie de forward")
        expect(
            logits.shape == (3, 10),
            f"pour 3 images {size}×{size}, forward renvoie la forme {logits.shape} au lieu de (3, 10)",
        )
    count = student.run(COUNT_PARAMETERS, model, torch.zeros((2, 1, 14, 14)))
    expect(not isinstance(count, str), f"les paramètres de SmallCNN() ne peuvent pas être comptés : {count}")
    expect(
        isinstance(count, int) and 0 < count <= 10_000, f"SmallCNN() a {count} paramètres ; au plus 10 000"
    )
