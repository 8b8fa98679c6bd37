"""Hidden graders of ``VAE``: an ``nn.Module`` whose ``forward(x)`` returns ``(x_logits, mu, logvar)``.

Shapes are checked on modules built by the student's own class. Behaviour is
checked by training: a probe, run next to the student's code, builds
``VAE(64, 2, 64)`` (torch seeded), trains it for 100 Adam steps (lr 1e-2,
batches of 64) on the negative ELBO (Bernoulli reconstruction summed over the
pixels plus the KL to N(0, I), written in the probe, not taken from the
student's ``elbo``), and returns the trained model's outputs on the whole
training set; the judge computes the reconstruction term from them. The
probe trains the tensors the model holds (read from its instance
dictionaries, :data:`tpgrade.runner.guards.TRUSTED`), not what its own
``parameters()`` says, and measures nothing in the student's process.

The data (generated here, seeded): 1000 binary images of 64 pixels, each one
of 6 random prototypes (pixels on with probability 0.4) with 5 % of its
pixels flipped. A model that ignores its input can do no better than the mean
image (about 40 nats of binary cross-entropy per image); knowing the
prototype brings it down to the flips' entropy, 64 H(0.05) = 12.7 nats, a
ratio of 0.32 to the mean image.

Threshold, measured on the reference over 50 seeds by the test suite: the
ratio of its reconstruction to the mean image's is 0.33–0.40 after these
100 steps (0.16 s of CPU). A VAE passes at a ratio <= 0.6: a margin of 0.2.
A decoder that cannot use z (z detached from the encoder: posterior
collapse), a decoder that returns probabilities instead of logits (a sigmoid
at the end), hidden and latent sizes swapped, all stay at the mean image
(ratio >= 0.99).
"""

import numpy as np
import torch

from tpgrade.grader import PyFunction, expect, expect_tuple, question, sibling

common = sibling(__file__, "common")

RATIO_BOUND = 0.6

TRAIN = PyFunction(
    '''
def train_vae(X, d_latent, d_hidden, n_steps, batch_size, lr, seed):
    """Train the student's VAE on the negative ELBO; return its forward on all of X."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    model = submission["VAE"](X.shape[1], d_latent, d_hidden)
    params = trusted.parameters(model)
    if not params:
        raise ValueError("VAE n'a aucun paramètre entraînable")
    optimizer = torch.optim.Adam(params, lr=lr)
    generator = torch.Generator(device=X.device).manual_seed(seed)

    def terms(batch):
        x_logits, mu, logvar = model(batch)
        reconstruction = F.binary_cross_entropy_with_logits(x_logits, batch, reduction="none").sum(1)
        kl = 0.5 * (mu**2 + logvar.exp() - 1.0 - logvar).sum(1)
        return reconstruction.mean(), kl.mean()

    model.train()
    for _ in range(n_steps):
        rows = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        reconstruction, kl = terms(X[rows])
        optimizer.zero_grad()
        (reconstruction + kl).backward()
        optimizer.step()
    with torch.no_grad():
        return tuple(model(X))
''',
    "train_vae",
)


def prototypes(rng, n, k=6, d=64, flip=0.05):
    """n binary images of d pixels: one of k random prototypes each, with a fraction ``flip`` of pixels flipped."""
    patterns = (rng.uniform(size=(k, d)) < 0.4).astype(float)
    flips = rng.uniform(size=(n, d)) < flip
    return np.abs(patterns[rng.integers(0, k, size=n)] - flips)


def binary_cross_entropy(x, p):
    """Mean over the rows of the BCE summed over the pixels, with p clipped away from 0 and 1."""
    p = np.clip(p, 1e-12, 1.0 - 1e-12)
    return float(-(x * np.log(p) + (1.0 - x) * np.log(1.0 - p)).sum(1).mean())


def bce_with_logits(x, logits):
    """Mean over the rows of the BCE of x under sigmoid(logits), summed over the pixels (stable)."""
    return float((np.maximum(logits, 0.0) - logits * x + np.log1p(np.exp(-np.abs(logits)))).sum(1).mean())


def check_outputs(student, model, n, d_in, d_latent, rng, what):
    x = common.tensor(rng.uniform(0.0, 1.0, size=(n, d_in)))
    out = expect_tuple(student.method(model, "forward", x), 3, what=f"le résultat de forward ({what})")
    for value, shape, name in zip(
        out, ((n, d_in), (n, d_latent), (n, d_latent)), ("x_logits", "mu", "logvar"), strict=True
    ):
        expect(
            isinstance(value, torch.Tensor),
            f"{name} ({what}) doit être un tenseur torch, pas {common.describe(value)}",
        )
        expect(
            tuple(value.shape) == shape,
            f"{name} ({what}) a la forme {tuple(value.shape)}, la forme attendue est {shape}",
        )
        expect(
            value.is_floating_point() and bool(torch.isfinite(value).all()),
            f"{name} ({what}) doit contenir des flottants finis",
        )


@question("VAE", points=0.5)
def test_output_shapes(student, rng):
    model = student.call("VAE", 12, 3, 16)
    check_outputs(student, model, 7, 12, 3, rng, "VAE(12, 3, 16), lot de 7")
    check_outputs(student, model, 1, 12, 3, rng, "VAE(12, 3, 16), N = 1")
    model = student.call("VAE", 20, 5, 8)
    check_outputs(student, model, 4, 20, 5, rng, "VAE(20, 5, 8), lot de 4")


@question("VAE", points=1.5, timeout=60)
def test_learns_a_latent_structure(student, rng):
    X = prototypes(rng, 1000)
    entropy = binary_cross_entropy(X, X)
    mean_image = binary_cross_entropy(X, np.broadcast_to(X.mean(axis=0), X.shape)) - entropy
    out = expect_tuple(
        student.run(TRAIN, common.tensor(X), 2, 64, 100, 64, 1e-2, int(rng.integers(2**31))),
        3,
        what="le résultat de forward après l'entraînement (x_logits, mu, logvar)",
    )
    expect(
        isinstance(out[0], torch.Tensor) and tuple(out[0].shape) == X.shape,
        f"x_logits après l'entraînement doit être un tenseur de forme {X.shape}",
    )
    logits = out[0].detach().to(torch.float64).numpy()
    expect(bool(np.all(np.isfinite(logits))), "x_logits après l'entraînement contient nan ou inf")
    reconstruction = bce_with_logits(X, logits) - entropy
    ratio = reconstruction / mean_image
    expect(
        ratio <= RATIO_BOUND,
        f"après 100 pas d'Adam, la reconstruction de votre VAE ne s'améliore pas assez sur celle de "
        f"l'image moyenne (rapport {ratio:.2f}, au plus {RATIO_BOUND:g} attendu) : vérifiez que forward "
        "renvoie des logits (sans sigmoïde), que z est échantillonné par reparamétrisation à partir de "
        "mu et logvar, et que le décodeur reçoit z",
    )
