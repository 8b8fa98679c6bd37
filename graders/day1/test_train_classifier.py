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

Graded on training: the accuracy and the loss history count only if the
history agrees with losses the judge recomputes. The function is called, with
one seed and each time in a fresh copy of the submission, for 1, E - 1 and E
epochs, and once with lr = 0 (which returns the initial model); the judge
evaluates each model returned (``forward`` on the training images) and
computes its mean cross-entropy L. The shorter runs' histories must be the
beginnings of the longest one, and history[0] and history[E - 1] must lie
between the losses before and after their epoch (the mean of the mini-batch
losses) or equal the loss after it (the loss on the whole set), within the
margins measured below. A closed-form model (class means written into the
weights) with an invented history fails this, and so does an answer cached
between calls.

Loss history: a shorter run (600 images, 32 hidden units, 10 epochs, lr 0.2,
~0.04 s of CPU). With the reference the mean loss of the first epoch is ~2.2
(ln 10 = 2.30 at the start) and that of the last ~0.27: over 200 seeds the
ratio last / first is 0.12 on average and at most 0.146. The history must fall
below 0.4 times its first value (a margin of 2.7); without optimizer steps it
stays near 1. Reproducibility: two calls with the same seed perform the same
float32 operations, so their logits agree to the last bit; atol = 1e-6
absorbs nothing of substance (other seeds differ by O(0.1)). Another seed
must give another model: every call runs in a fresh copy of the submission,
where a generator that is never seeded starts alike each time.
"""

import functools

import numpy as np
import torch

from tpgrade.grader import expect, expect_tuple, question

MIN_ACCURACY = 0.88
# history[k - 1] against the judge's losses before (L_{k-1}) and after (L_k)
# epoch k, lo and hi the smaller and the larger, measured over 30 seeds on nine
# correct loops (history as the weighted or plain mean of the mini-batch losses
# or the loss after the epoch; order from a torch.Generator, the global torch
# generator or NumPy): the mean of the mini-batch losses at most 0.051 lo below
# lo and 0.036 hi above hi, the loss after the epoch equal to L_k to 2e-7
# (float32 against the judge's float64). The bounds 0.25 are margins of 4.9
# and 6.9; an invented history sits far outside.
BELOW_LO, ABOVE_HI = 0.25, 0.25
# Two calls with one seed in fresh copies run the same float32 operations.
SAME_RUN_RTOL = 1e-6
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
    """One call, in a fresh copy of the submission (the model returned lives until the next one)."""
    out = expect_tuple(
        student.call("train_classifier", X, y, seed=seed, fresh=True, **config),
        2,
        what="le résultat de train_classifier (model, history)",
    )
    return out[0], out[1]


def mean_cross_entropy(logits, y):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(y)), y]))


def history_gap(value, before, after):
    """How far a history value lies outside [lo (1 - BELOW_LO), hi (1 + ABOVE_HI)], relative (<= 0: inside)."""
    lo, hi = max(min(before, after), 1e-12), max(before, after, 1e-12)
    return max((lo - value) / lo - BELOW_LO, (value - hi) / hi - ABOVE_HI)


class Training:
    """Runs of 1, E - 1 and E epochs (and lr = 0) with one seed, and the judge's loss of each model."""

    def __init__(self, student, X, y, seed, n_classes, evaluate=(), **config):
        epochs = config["epochs"]
        targets = y.numpy()
        model, _ = train(student, X, y, seed, **{**config, "lr": 0.0, "epochs": 1})
        self.losses = {
            0: mean_cross_entropy(logits_of(student, model, X, n_classes, "modèle initial"), targets)
        }
        self.histories = {}
        for k in sorted({1, epochs - 1, epochs}):
            model, history = train(student, X, y, seed, **{**config, "epochs": k})
            self.histories[k] = history_of(history, k)
            logits = logits_of(
                student, model, X, n_classes, f"sur les images d'entraînement, après {k} époque(s)"
            )
            self.losses[k] = mean_cross_entropy(logits, targets)
        # The last model is still there: evaluate it now, before any other call.
        self.outputs = [logits_of(student, model, X_eval, n_classes, what) for X_eval, what in evaluate]
        self.history = self.histories[epochs]
        self.epochs = epochs

    def check(self):
        """The shorter runs begin the longest; history agrees with the judge's losses."""
        for k, shorter in self.histories.items():
            gap = np.abs(shorter - self.history[:k]) > SAME_RUN_RTOL * np.abs(self.history[:k])
            expect(
                not np.any(gap),
                f"avec la même graine, l'entraînement sur {k} époque(s) ne refait pas le début de "
                f"l'entraînement sur {self.epochs} (history diffère dès l'époque {int(np.argmax(gap)) + 1}) : "
                "tout l'aléa doit venir de seed, et chaque appel doit entraîner à nouveau",
            )
        for k in (1, self.epochs):
            value, before, after = self.history[k - 1], self.losses[k - 1], self.losses[k]
            expect(
                history_gap(value, before, after) <= 0,
                f"history[{k - 1}] = {value:.4g} ne correspond pas à l'entraînement : la perte moyenne sur les "
                f"images d'entraînement des modèles renvoyés, recalculée par le correcteur, vaut {before:.4g} "
                f"avant l'époque {k} et {after:.4g} après ; history doit contenir la moyenne des pertes des "
                "mini-lots de chaque époque, ou la perte sur tout l'ensemble après l'époque",
            )


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
    training = Training(
        student,
        X_train,
        y_train,
        int(rng.integers(2**31)),
        10,
        evaluate=[(X_test, "sur les images de test")],
        **CONFIG,
    )
    accuracy = float(np.mean(training.outputs[0].argmax(axis=1) == y_test.numpy()))
    expect(
        accuracy >= MIN_ACCURACY,
        f"exactitude sur les images de test {accuracy:.3f} après 15 époques, au moins {MIN_ACCURACY} "
        "attendu : vérifiez la boucle (zero_grad, backward, step) et que chaque image garde son étiquette",
    )
    training.check()


@question("train_classifier", points=0.5, timeout=60)
def test_loss_history_falls(student, rng):
    X, y = digits()
    subset = rng.permutation(len(y))[:600]
    config = {"d_hidden": 32, "epochs": 10, "lr": 0.2, "batch_size": 32}
    training = Training(
        student,
        torch.from_numpy(X[subset]),
        torch.from_numpy(y[subset]),
        int(rng.integers(2**31)),
        10,
        **config,
    )
    values = training.history
    expect(
        values[-1] <= MAX_LOSS_RATIO * values[0],
        f"la perte moyenne de la dernière époque vaut {values[-1] / values[0]:.2f} fois celle de la "
        f"première, au plus {MAX_LOSS_RATIO} attendu : la perte ne baisse pas assez",
    )
    training.check()


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
    # Each call runs in a fresh copy of the submission, where the global generators
    # start alike: a loop that never seeds them gives the same model for every seed.
    # Another seed draws other initial weights: logits differ by O(0.1).
    other = logits_of(student, train(student, X_sub, y_sub, seed + 1, **config)[0], probe, 10, "autre graine")
    expect(
        bool(np.any(np.abs(other - first) > 1e-3)),
        "deux entraînements avec des graines différentes donnent le même modèle : l'initialisation et "
        "l'ordre des exemples doivent venir de seed (torch.manual_seed(seed))",
    )
