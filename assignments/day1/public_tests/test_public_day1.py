"""Public tests of Day 1: what students run with ``tpgrade check day1 tp_day1.ipynb``.

Small examples worked out by hand and properties; the hidden graders check
much more (other shapes, edge cases, training budgets). Tolerances: float64
results worked out by hand are exact to round-off (1e-12); float32 modules
to ~1e-6 relative (1e-5 here).
"""

import numpy as np
import torch

from tpgrade.grader import expect, expect_array, expect_scalar, expect_tuple, question


def tensor(rows):
    return torch.tensor(rows, dtype=torch.float32)


@question("count_mlp_parameters", points=1)
def test_count_course_example(student, rng):
    expect_scalar(
        student.count_mlp_parameters([784, 256, 10]),
        203530,
        rtol=0,
        atol=0,
        what="le nombre de paramètres du réseau 784-256-10",
    )
    expect_scalar(
        student.count_mlp_parameters([2, 3]),
        9,
        rtol=0,
        atol=0,
        what="le nombre de paramètres d'une couche 2-3 (6 poids, 3 biais)",
    )


@question("relu", points=1, numpy_only=True)
def test_relu_small(student, rng):
    z = np.array([[-1.5, 0.0, 2.5], [3.0, -0.1, 1e-3]])
    expect_array(
        student.relu(z),
        np.array([[0.0, 0.0, 2.5], [3.0, 0.0, 1e-3]]),
        rtol=0,
        atol=0,
        what="relu d'une petite matrice",
    )
    got = student.relu(z.astype(np.float32))
    expect(getattr(got, "dtype", None) == np.float32, "relu doit conserver le type float32")


@question("mlp_forward", points=1, numpy_only=True)
def test_mlp_forward_by_hand(student, rng):
    # hidden = relu([1, -2, 2]) = [1, 0, 2]; logit = 1 + 0 + 2 + 0.5 = 3.5
    X = np.array([[1.0, 2.0]])
    W1 = np.array([[1.0, 0.0], [0.0, -1.0], [1.0, 0.0]])
    b1 = np.array([0.0, 0.0, 1.0])
    W2 = np.array([[1.0, 1.0, 1.0]])
    b2 = np.array([0.5])
    expect_array(
        student.mlp_forward(X, W1, b1, W2, b2),
        np.array([[3.5]]),
        rtol=1e-12,
        atol=1e-12,
        what="les logits de l'exemple calculé à la main",
    )
    X, W1, b1 = rng.normal(size=(4, 3)), rng.normal(size=(5, 3)), rng.normal(size=5)
    W2, b2 = rng.normal(size=(2, 5)), rng.normal(size=2)
    got = student.mlp_forward(X, W1, b1, W2, b2)
    expect(getattr(got, "shape", None) == (4, 2), "mlp_forward doit renvoyer des logits de forme (N, k)")


@question("TwoLayerMLP", points=1)
def test_two_layer_mlp(student, rng):
    model = student.call("TwoLayerMLP", 3, 2, 1)
    weight = student.attr(model, "fc1", "weight")
    expect(
        isinstance(weight, torch.Tensor) and tuple(weight.shape) == (2, 3),
        "fc1.weight doit avoir la forme (d_hidden, d_in) = (2, 3)",
    )
    student.method(
        model,
        "load_state_dict",
        {
            "fc1.weight": tensor([[1, 0, 0], [0, 1, -1]]),
            "fc1.bias": tensor([0, 0]),
            "fc2.weight": tensor([[2, -1]]),
            "fc2.bias": tensor([0.5]),
        },
    )
    # x = [1, 1, 3]: hidden = relu([1, -2]) = [1, 0], logit = 2 + 0.5 = 2.5
    got = student.method(model, "forward", tensor([[1, 1, 3]]))
    expect(isinstance(got, torch.Tensor), "forward doit renvoyer un torch.Tensor")
    expect_array(got.numpy(), np.array([[2.5]]), rtol=1e-5, atol=1e-5, what="les logits de forward")


@question("train_classifier", points=1, timeout=60)
def test_train_classifier_blobs(student, rng):
    # Three well separated clouds in dimension 4: 20 epochs reach ~100 % on the training set.
    centres = np.array([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0]], dtype=np.float32)
    y = rng.integers(0, 3, size=150)
    X = centres[y] + rng.normal(scale=0.5, size=(150, 4)).astype(np.float32)
    out = expect_tuple(
        student.call(
            "train_classifier",
            torch.from_numpy(X),
            torch.from_numpy(y),
            d_hidden=16,
            epochs=20,
            lr=0.1,
            batch_size=16,
            seed=0,
        ),
        2,
        what="le résultat de train_classifier (model, history)",
    )
    model, history = out
    expect(len(history) == 20, "history doit contenir une perte par époque")
    logits = student.method(model, "forward", torch.from_numpy(X))
    accuracy = float(np.mean(logits.numpy().argmax(axis=1) == y))
    expect(accuracy >= 0.9, f"exactitude d'entraînement {accuracy:.2f} sur trois nuages bien séparés")


@question("pca_project", points=1, numpy_only=True)
def test_pca_points_on_a_line(student, rng):
    # Points on a line through c with direction v (|v| = 5): the first column is
    # ±5 (t - mean t), the second is zero.
    t = rng.normal(size=12)
    H = np.array([1.0, -2.0, 3.0]) + np.outer(t, [3.0, 4.0, 0.0])
    got = student.pca_project(H)
    expect(getattr(got, "shape", None) == (12, 2), "pca_project doit renvoyer un tableau de forme (N, k)")
    first = 5.0 * (t - t.mean())
    sign = 1.0 if float(np.dot(got[:, 0], first)) >= 0 else -1.0
    expect_array(sign * got[:, 0], first, rtol=1e-9, atol=1e-9, what="la première composante")
    expect_array(got[:, 1], np.zeros(12), rtol=0, atol=1e-9, what="la deuxième composante")


@question("Autoencoder", points=1)
def test_autoencoder_shapes(student, rng):
    model = student.call("Autoencoder", 64, 2, 32)
    x = torch.from_numpy(rng.uniform(size=(5, 64)).astype(np.float32))
    z = student.method(model, "encode", x)
    expect(
        isinstance(z, torch.Tensor) and tuple(z.shape) == (5, 2),
        "encode(x) doit avoir la forme (N, d_latent)",
    )
    x_hat = student.method(model, "decode", z)
    expect(
        isinstance(x_hat, torch.Tensor) and tuple(x_hat.shape) == (5, 64),
        "decode(z) doit avoir la forme (N, d_in)",
    )
    out = student.method(model, "forward", x)
    expect(
        isinstance(out, torch.Tensor) and tuple(out.shape) == (5, 64),
        "forward(x) doit avoir la forme (N, d_in)",
    )


@question("interpolate", points=1)
def test_interpolate_small(student, rng):
    expected = np.array([[0.0, 0.0], [0.5, 1.0], [1.0, 2.0]])
    expect_array(
        student.interpolate(np.array([0.0, 0.0]), np.array([1.0, 2.0]), 3),
        expected,
        rtol=1e-12,
        atol=1e-12,
        what="le chemin de 3 points de (0, 0) à (1, 2)",
    )
    got = student.interpolate(tensor([0, 0]), tensor([1, 2]), 3)
    expect(isinstance(got, torch.Tensor), "avec des tenseurs en entrée, interpolate doit renvoyer un tenseur")
    expect_array(got.numpy(), expected, rtol=1e-6, atol=1e-6, what="le chemin de 3 points (torch)")
