"""Hidden graders of ``train_classifier``: the PyTorch MLP of the TP trained on the digits.

The data are scikit-learn's bundled digits (8×8 images, 1797 of them, pixels
scaled to [0, 1]; offline), split at random by the grader into 1200 training
and 597 test images; the training seed is drawn by the grader too. The
student's function trains its own ``TwoLayerMLP`` with mini-batch SGD and
returns ``(model, history)``; the judge evaluates the model on the test images
through ``forward``.

CPU budget: 15 epochs of batches of 32 (≈ 570 SGD steps) with 64 hidden
units take ~0.1 s of CPU on one thread with the reference; the call may take
60 s of wall clock.

Accuracy threshold, measured with the reference over 200 seeds (split and
training seed): test accuracy at least 0.930, mean 0.949, standard deviation
0.009. The threshold 0.88 leaves a margin of 0.05 (more than 5 standard
deviations below the worst seed), enough for other initialisations or
orders of the examples; an untrained or diverging network, or labels that no
longer match their images, stay near 0.1.

Loss history: a shorter run (600 images, 32 hidden units, 10 epochs, lr 0.2,
~0.04 s of CPU). With the reference the mean loss of the first epoch is ~2.2
(ln 10 = 2.30 at the start) and that of the last ~0.27: over 200 seeds the
ratio last / first is 0.12 on average and at most 0.146. The history must fall
below 0.4 times its first value (a margin of 2.7); without optimizer steps it
stays near 1. Reproducibility: two calls with the same seed in the same
process perform the same float32 operations, so their logits agree to the
last bit; atol = 1e-6 absorbs nothing of substance (other seeds differ by
O(0.1)).
"""

import functools

import numpy as np
import torch

from tpgrade.grader import expect, expect_tuple, question

MIN_ACCURACY = 0.88
MAX_LOSS_RATIO = 0.4
CONFIG = {"d_hidden": 64, "epochs": 15, "lr": 0.1, "batch_size": 32}
N_TRAIN = 1200


@functools.cache
def digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.data / 16.0).astype(np.float32), data.target.astype(np.int64)


def split(rng):
    X, y = digits()
    order = rng.permutation(len(y))
    train, test = order[:N_TRAIN], order[N_TRAIN:]
    return (
        torch.from_numpy(X[train]),
        torch.from_numpy(y[train]),
        torch.from_numpy(X[test]),
        torch.from_numpy(y[test]),
    )


def train(student, X, y, seed, **config):
    out = expect_tuple(
        student.call("train_classifier", X, y, seed=seed, **config),
        2,
        what="le résultat de train_classifier (model, history)",
    )
    return out[0], out[1]


def logits_of(student, model, X, n_classes, what):
    got = student.method(model, "forward", X)
    expect(
        isinstance(got, torch.Tensor),
        f"{what} : model(X) doit renvoyer un torch.Tensor, pas un objet de type {type(got).__name__}",
    )
    shape = (X.shape[0], n_classes)
    expect(
        tuple(got.shape) == shape,
        f"{what} : model(X) a la forme {tuple(got.shape)}, la forme attendue est {shape}",
    )
    logits = got.numpy().astype(np.float64)
    expect(
        bool(np.all(np.isfinite(logits))),
        f"{what} : les logits contiennent des valeurs non finies (l'entraînement a divergé ?)",
    )
    return logits


def history_of(history, epochs):
    expect(
        type(history) in (list, tuple) or isinstance(history, np.ndarray),
        f"history doit être une liste de nombres, pas un objet de type {type(history).__name__}",
    )
    numbers = all(
        isinstance(v, float | int | np.floating | np.integer)
        or (isinstance(v, torch.Tensor) and v.numel() == 1)
        for v in history
    )
    values = np.array([float(v) for v in history]) if numbers else None
    expect(
        values is not None and values.shape == (epochs,),
        f"history doit contenir un nombre réel (la perte moyenne) par époque, soit {epochs} nombres",
    )
    expect(bool(np.all(np.isfinite(values))), "history contient des valeurs non finies (nan ou inf)")
    return values


@question("train_classifier", points=1.5, timeout=60)
def test_accuracy_on_held_out_digits(student, rng):
    X_train, y_train, X_test, y_test = split(rng)
    model, _ = train(student, X_train, y_train, int(rng.integers(2**31)), **CONFIG)
    logits = logits_of(student, model, X_test, 10, "sur les images de test")
    accuracy = float(np.mean(logits.argmax(axis=1) == y_test.numpy()))
    expect(
        accuracy >= MIN_ACCURACY,
        f"exactitude sur les images de test {accuracy:.3f} après 15 époques, au moins {MIN_ACCURACY} "
        "attendu : vérifiez la boucle (zero_grad, backward, step) et que chaque image garde son étiquette",
    )


@question("train_classifier", points=0.5, timeout=60)
def test_loss_history_falls(student, rng):
    X, y = digits()
    subset = rng.permutation(len(y))[:600]
    config = {"d_hidden": 32, "epochs": 10, "lr": 0.2, "batch_size": 32}
    _, history = train(
        student, torch.from_numpy(X[subset]), torch.from_numpy(y[subset]), int(rng.integers(2**31)), **config
    )
    values = history_of(history, config["epochs"])
    expect(
        values[-1] <= MAX_LOSS_RATIO * values[0],
        f"la perte moyenne de la dernière époque vaut {values[-1] / values[0]:.2f} fois celle de la "
        f"première, au plus {MAX_LOSS_RATIO} attendu : la perte ne baisse pas assez",
    )


@question("train_classifier", points=0.5, timeout=60)
def test_model_sizes_follow_the_data(student, rng):
    # Five classes only and 16 hidden units, two quick epochs: the number of
    # classes comes from the labels (y.max() + 1), the input size from X.
    X, y = digits()
    keep = np.flatnonzero(y < 5)[:400]
    model, history = train(
        student,
        torch.from_numpy(X[keep]),
        torch.from_numpy(y[keep]),
        int(rng.integers(2**31)),
        d_hidden=16,
        epochs=2,
        lr=0.1,
        batch_size=50,
    )
    history_of(history, 2)
    for layer, shape in (("fc1", (16, 64)), ("fc2", (5, 16))):
        weight = student.attr(model, layer, "weight")
        expect(
            isinstance(weight, torch.Tensor) and tuple(weight.shape) == shape,
            f"le modèle renvoyé doit être un TwoLayerMLP dont {layer}.weight a la forme {shape} "
            "(5 classes, 16 unités cachées, 64 pixels)",
        )
    logits_of(student, model, torch.from_numpy(X[:3]), 5, "sur 3 images")


@question("train_classifier", points=0.5, timeout=60)
def test_same_seed_same_model(student, rng):
    X, y = digits()
    subset = rng.permutation(len(y))[:300]
    X_sub, y_sub = torch.from_numpy(X[subset]), torch.from_numpy(y[subset])
    seed = int(rng.integers(2**31))
    config = {"d_hidden": 32, "epochs": 2, "lr": 0.1, "batch_size": 32}
    probe = torch.from_numpy(X[:20])
    first = logits_of(student, train(student, X_sub, y_sub, seed, **config)[0], probe, 10, "premier appel")
    second = logits_of(student, train(student, X_sub, y_sub, seed, **config)[0], probe, 10, "second appel")
    expect(
        bool(np.all(np.abs(first - second) <= 1e-6)),
        "deux entraînements avec la même graine donnent des modèles différents : tout l'aléa "
        "(initialisation, ordre des exemples) doit venir de seed (torch.manual_seed(seed))",
    )
