"""Hidden graders of ``train_mlp_numpy``: graded on training, not on exact numbers.

Data: Gaussian blobs (unit variance) around the vertices of an equilateral
triangle of radius ``r`` in a random plane of R^4, generated here from the
seeded ``rng`` and sorted by class, as data sets often are. The grader
computes losses and accuracies itself, with the reference forward pass, on
the parameters the student's function returns.

What is returned must come from training, so every grading run is checked
against the judge's own losses. The function is called for k epochs with one
seed, for k in 1, 2, E/2 - 1, E/2, E - 1 and E (every k up to E when E <= 6),
each call in a fresh copy of the submission (nothing kept from an earlier
call), plus once with lr = 0, which returns the initial parameters θ0. With
the same seed the longer runs must extend the shorter ones (their histories
start alike), and history[k-1] must agree, for k in 1, 2, E/2 and E, with the
losses L(θ_{k-1}) and L(θ_k) that the judge recomputes on the whole training
set from the parameters returned after k-1 and k epochs: equal to L(θ_k) for
a history of losses after each epoch, between the two for the mean of the
mini-batch losses (both are allowed). The epochs in between are not called
for: each call is a fork of the submission and a training from scratch. A closed-form answer (class means,
least squares) with an invented history fails this; so does an answer
cached between calls, or one that ignores its seed. One more test takes
SGD's first-order behaviour: with lr = 0 nothing moves, and with a tiny lr
one epoch moves the parameters by -lr times the sum of the mini-batch
gradients, that is (n / batch_size) times the full gradient at θ0 that the
judge computes (``ref.mlp_backward``) when the batches have equal sizes.

Thresholds were measured over 300 seeds (the graders' own draws) on the
reference and on correct variants of it (initialisations He, LeCun, Xavier
uniform, N(0, 0.01²), N(0, 1); history as the weighted or the plain mean of
the mini-batch losses, or as the loss on the whole set after each epoch), and
over 100 seeds for each of these with NumPy's ``Generator``, ``RandomState``
or global generator (45 variants); the extremes measured and the margins are
given next to each threshold.
"""

import numpy as np

from tpgrade.grader import expect, expect_array, expect_dict, expect_tuple, question, reference

ref = reference("day2")

# Generous: the reference needs ~0.05 s per call here; a plain loop in NumPy,
# even 100 times slower, stays well within it.
TIMEOUT = 60
KEYS = ("W1", "b1", "W2", "b2")
D, K = 4, 3
# Two calls with one seed do the same computation: equal to round-off at most
# (a varying summation order); other seeds or a missing seed differ by O(0.1).
SAME_RUN_RTOL = 1e-10
# history[k-1] against the judge's L(θ_{k-1}) and L(θ_k), lo and hi the smaller
# and the larger. The mean of the mini-batch losses, measured at every epoch of
# every grading run: never below lo where the classes are well apart, and at
# most 0.42 hi above hi (N(0, 1) initialisation, whose loss climbs in the first
# epochs; 0.08 for the other initialisations); on the overlapping, class-sorted
# data (225 steps of 4 examples per epoch: the loss is noisy within an epoch)
# down to 0.33 lo below lo and up to 0.20 hi above hi (0.13 and 0.12 but for
# N(0, 1)). The loss after the epoch equals L(θ_k) exactly. The bounds 0.6 lo
# and 0.8 hi are margins of 1.8 and 1.9 over the worst measured; an invented
# history (the closed-form mutant's) starts 1 hi above the loss of its parameters.
BELOW_LO, ABOVE_HI = 0.6, 0.8
# One epoch at lr = 1e-6 against -lr (n / B) ∇L(θ0): relative error at most
# 5.9e-5 measured (second-order terms, ~ lr); 1e-3 is a margin of 17, while
# an answer that does not follow the gradient is off by O(1).
TINY_LR, STEP_RTOL = 1e-6, 1e-3


def blobs(rng, n_per_class, radius, n_test=0):
    """Sorted training set (and a held-out set from the same distribution)."""
    angles = 2 * np.pi * np.arange(K) / K
    centres = np.zeros((K, D))
    centres[:, 0], centres[:, 1] = radius * np.cos(angles), radius * np.sin(angles)
    rotation, _ = np.linalg.qr(rng.normal(size=(D, D)))
    centres = centres @ rotation.T
    X = np.concatenate([c + rng.normal(size=(n_per_class, D)) for c in centres])
    y = np.repeat(np.arange(K), n_per_class)
    X_test = np.concatenate([c + rng.normal(size=(n_test, D)) for c in centres])
    y_test = np.repeat(np.arange(K), n_test)
    return X, y, X_test, y_test


def train(student, X, y, d_hidden, lr, epochs, batch_size, seed):
    """One call, in a fresh copy of the submission: (params, history) checked for form."""
    out = expect_tuple(
        student.call(
            "train_mlp_numpy", X, y, d_hidden, lr, epochs, batch_size, seed, timeout=TIMEOUT, fresh=True
        ),
        2,
        what="le résultat de train_mlp_numpy (params, history)",
    )
    params = expect_dict(out[0], KEYS, what="les paramètres renvoyés")
    shapes = {"W1": (d_hidden, X.shape[1]), "b1": (d_hidden,), "W2": (K, d_hidden), "b2": (K,)}
    for key, shape in shapes.items():
        value = params[key]
        expect(
            type(value) is np.ndarray and value.shape == shape,
            f"le paramètre {key} renvoyé doit être un tableau NumPy de forme {shape}",
        )
        expect(bool(np.all(np.isfinite(value))), f"le paramètre {key} contient nan ou inf")
    return params, history_values(out[1], epochs)


def history_values(history, epochs):
    if isinstance(history, np.ndarray):
        expect(history.ndim == 1, "history doit être une liste (ou un tableau 1-D) de pertes")
        values = history.astype(np.float64) if history.dtype.kind in "fiu" else None
    elif type(history) in (list, tuple) and all(
        type(v) in (float, int)
        or isinstance(v, np.floating | np.integer)
        or (isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "fiu")
        for v in history
    ):
        values = np.array([float(v) for v in history])
    else:
        values = None
    expect(values is not None, "history doit être une liste de nombres (une perte par époque)")
    expect(
        len(values) == epochs,
        f"history doit contenir une perte par époque : {len(values)} valeur(s) pour {epochs} époques",
    )
    expect(bool(np.all(np.isfinite(values))), "history contient des pertes non finies (nan ou inf)")
    return values


def loss_of(params, X, y):
    return ref.cross_entropy(ref.mlp_forward_cache(X, params)[0], y)


def accuracy_of(params, X, y):
    return float(np.mean(ref.mlp_forward_cache(X, params)[0].argmax(axis=1) == y))


def history_gap(value, before, after):
    """How far a history value lies outside [lo (1 - BELOW_LO), hi (1 + ABOVE_HI)], relative (<= 0: inside)."""
    lo, hi = max(min(before, after), 1e-12), max(before, after, 1e-12)
    return max((lo - value) / lo - BELOW_LO, (value - hi) / hi - ABOVE_HI)


def checked_epochs(epochs):
    """The epochs k whose history[k-1] is checked: 1, 2, E/2 and E (all of them up to 6)."""
    if epochs <= 6:
        return list(range(1, epochs + 1))
    return [1, 2, epochs // 2, epochs]


class Training:
    """A training run checked against itself: the run for ``epochs`` epochs and shorter ones."""

    def __init__(self, student, X, y, d_hidden, lr, epochs, batch_size, seed):
        self.checked = checked_epochs(epochs)
        called = sorted({e for k in self.checked for e in (k - 1, k) if e > 0})
        initial, _ = train(student, X, y, d_hidden, 0.0, 1, batch_size, seed)
        self.runs = {k: train(student, X, y, d_hidden, lr, k, batch_size, seed) for k in called}
        self.params, self.history = self.runs[epochs]
        self.losses = {0: loss_of(initial, X, y)} | {k: loss_of(p, X, y) for k, (p, _) in self.runs.items()}
        self.epochs = epochs

    def check_one_training(self):
        """With one seed, the shorter runs are the beginnings of the training for E epochs."""
        for k, (_, shorter) in self.runs.items():
            gap = np.abs(shorter - self.history[:k]) > SAME_RUN_RTOL * np.abs(self.history[:k])
            expect(
                not np.any(gap),
                f"avec la même graine, l'entraînement sur {k} époque(s) ne refait pas "
                f"{'la première époque' if k == 1 else f'les {k} premières époques'} de l'entraînement sur "
                f"{self.epochs} (history diffère dès l'époque {int(np.argmax(gap)) + 1}) : tout l'aléa doit "
                "venir de seed, et chaque appel doit entraîner à nouveau",
            )

    def check_history(self):
        """Each history value agrees with the judge's losses before and after its epoch."""
        history, losses = self.history, self.losses
        for k in self.checked:
            expect(
                history_gap(history[k - 1], losses[k - 1], losses[k]) <= 0,
                f"history[{k - 1}] = {history[k - 1]:.4g} ne correspond pas à l'entraînement : la perte sur "
                f"tout l'ensemble d'entraînement des paramètres renvoyés, recalculée par le correcteur, vaut "
                f"{losses[k - 1]:.4g} avant l'époque {k} et {losses[k]:.4g} après ; history doit contenir la "
                "moyenne des pertes des mini-lots de chaque époque, ou la perte sur tout l'ensemble après "
                "l'époque",
            )


def trained(student, X, y, d_hidden, lr, epochs, batch_size, seed):
    """Train for 1..epochs epochs (and lr = 0 for θ0); the runs must be one training."""
    training = Training(student, X, y, d_hidden, lr, epochs, batch_size, seed)
    training.check_one_training()
    return training


@question("train_mlp_numpy", points=0.25, numpy_only=True, timeout=TIMEOUT)
def test_history_and_params(student, rng):
    X, y, _, _ = blobs(rng, 20, 3.0)
    trained(
        student, X, y, d_hidden=8, lr=0.05, epochs=4, batch_size=6, seed=int(rng.integers(1000))
    ).check_history()


@question("train_mlp_numpy", points=0.5, numpy_only=True, timeout=TIMEOUT)
def test_loss_falls(student, rng):
    X, y, _, _ = blobs(rng, 50, 3.0)
    training = trained(
        student, X, y, d_hidden=16, lr=0.05, epochs=10, batch_size=10, seed=int(rng.integers(1000))
    )
    history = training.history
    # last / first <= 0.45 for every correct variant measured (0.41 at most for
    # the reference with either kind of history): 0.6 is a margin of 1.3.
    expect(
        history[-1] <= 0.6 * history[0],
        "la perte d'entraînement ne diminue pas nettement au fil des époques "
        f"(première époque {history[0]:.3g}, dernière {history[-1]:.3g})",
    )
    training.check_history()


@question("train_mlp_numpy", points=0.75, numpy_only=True, timeout=TIMEOUT)
def test_accuracy(student, rng):
    X, y, X_test, y_test = blobs(rng, 50, 3.0, n_test=300)
    training = trained(
        student, X, y, d_hidden=16, lr=0.05, epochs=10, batch_size=10, seed=int(rng.integers(1000))
    )
    # Held-out accuracy >= 0.947 for every correct variant measured (0.969 for
    # the reference; nearest centre, the best possible, gets ~0.99): 0.9 leaves
    # a margin of 0.05.
    accuracy = accuracy_of(training.params, X_test, y_test)
    expect(
        accuracy >= 0.9, f"le réseau entraîné est trop peu précis sur des données de test ({accuracy:.1%})"
    )
    training.check_history()


@question("train_mlp_numpy", points=0.5, numpy_only=True, timeout=TIMEOUT)
def test_final_loss_on_class_sorted_data(student, rng):
    # Overlapping classes, sorted by class, small batches: a loop that does not
    # draw a new random order of the examples at each epoch sees 75 batches of
    # one class after the other and ends biased toward the last class. Its
    # loss on the training set is then >= 1.35 (measured), while correct loops
    # end at <= 0.75 (0.54 for the reference): 1.0 keeps a margin of 1.33 on
    # both sides.
    X, y, _, _ = blobs(rng, 300, 1.5)
    training = trained(
        student, X, y, d_hidden=16, lr=0.1, epochs=2, batch_size=4, seed=int(rng.integers(1000))
    )
    loss = training.losses[training.epochs]
    expect(
        loss <= 1.0,
        f"après l'entraînement, la perte sur les données d'entraînement reste élevée "
        f"({loss:.3g}) : les exemples sont-ils mélangés à chaque époque ?",
    )
    training.check_history()


@question("train_mlp_numpy", points=0.5, numpy_only=True, timeout=TIMEOUT)
def test_small_steps_follow_the_gradient(student, rng):
    # 60 examples in batches of 10: six batches of equal size per epoch.
    X, y, _, _ = blobs(rng, 20, 3.0)
    seed, n_batches = int(rng.integers(1000)), 6
    initial, history = train(student, X, y, 8, 0.0, 2, 10, seed)
    loss = loss_of(initial, X, y)
    # With lr = 0 every mini-batch loss is a loss at θ0 and their mean over an
    # epoch is L(θ0) to round-off (1e-15 measured): 1e-9 relative.
    expect(
        bool(np.all(np.abs(history - loss) <= 1e-9 * loss)),
        f"avec lr = 0 les paramètres ne bougent pas : history devrait valoir à chaque époque la perte "
        f"des paramètres renvoyés ({loss:.4g}), elle vaut {', '.join(f'{v:.4g}' for v in history)}",
    )
    moved, _ = train(student, X, y, 8, TINY_LR, 1, 10, seed)
    gradient = ref.mlp_backward(y, initial, ref.mlp_forward_cache(X, initial)[1])
    step = np.concatenate([(initial[key] - moved[key]).ravel() for key in KEYS]) / (TINY_LR * n_batches)
    full = np.concatenate([gradient[key].ravel() for key in KEYS])
    error = float(np.linalg.norm(step - full) / np.linalg.norm(full))
    expect(
        error <= STEP_RTOL,
        f"avec un pas minuscule (lr = {TINY_LR:g}), une époque ne déplace pas les paramètres initiaux "
        f"de -lr fois la somme des gradients des mini-lots (écart relatif {error:.2e}) : chaque pas "
        "doit être une descente de gradient, p - lr * g, sur le mini-lot",
    )


@question("train_mlp_numpy", points=0.5, numpy_only=True, timeout=TIMEOUT)
def test_deterministic_from_seed(student, rng):
    X, y, _, _ = blobs(rng, 20, 3.0)
    seed = int(rng.integers(1000))
    params_a, history_a = train(student, X, y, 8, 0.05, 3, 8, seed)
    params_b, history_b = train(student, X, y, 8, 0.05, 3, 8, seed)
    # Same seed, same computation, each call in a fresh copy of the submission:
    # the results must be identical (to round-off at most).
    expect_array(
        history_b,
        history_a,
        rtol=1e-12,
        atol=0.0,
        what="history d'un deuxième appel avec la même graine (seed)",
    )
    for key in KEYS:
        expect_array(
            params_b[key],
            params_a[key],
            rtol=1e-12,
            atol=1e-15,
            what=f"le paramètre {key} d'un deuxième appel avec la même graine",
        )
    # Another seed draws other initial weights and another order: the weights
    # differ by O(0.1) (a seed that is not used gives the same run again).
    params_c, _ = train(student, X, y, 8, 0.05, 3, 8, seed + 1)
    change = max(float(np.max(np.abs(params_c[key] - params_a[key]))) for key in ("W1", "W2"))
    expect(
        change > 1e-6,
        "deux appels avec des graines (seed) différentes donnent exactement le même entraînement : "
        "l'initialisation et l'ordre des exemples doivent venir de seed",
    )
