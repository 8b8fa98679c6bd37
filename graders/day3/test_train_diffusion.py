"""Hidden graders of ``train_diffusion``: a DDPM noise predictor trained on a 2-D spiral.

The grader generates the data (seeded): 1000 points of a one-turn spiral
r = 1.5 theta / (3 pi), theta uniform in [pi, 3 pi], plus Gaussian noise of
0.02. The student's function trains for a fixed budget of n_iters = 300
iterations on T = 100 steps (betas from 1e-4 to 0.1) and returns the model.
A probe, run next to the student's code, generates 500 points with the
standard DDPM sampler (written in the probe, not the student's
``ddpm_sample``), calling ``model(x_t, t)`` with ``t`` an int64 tensor of
shape (N,). The judge measures the generated points against the noise-free
curve (1000 points 0.007 apart):
- precision: the mean distance from a point to the curve;
- coverage: the fraction of 200 points spread along the curve that have a
  generated point within 0.15 (a model that collapses on part of the
  spiral fails it).

Thresholds, measured on the reference over 50 seeds by the test suite
(300 iterations, 0.3 s of CPU on one thread): mean distance 0.13-0.22,
coverage >= 0.96. A Gaussian with the data's mean and covariance has a mean
distance of 0.36; a model that learnt nothing diverges (mean distance > 5).
The bounds, mean distance <= 0.28 and coverage >= 0.8, leave a margin of
0.06 on the reference side. The known-wrong trainings are further away
(10 seeds each): the noise regressed on x0 + noise without the schedule,
0.36-0.47; the noise left unscaled, sqrt(ab) x0 + noise, 0.33-0.36; x0
regressed instead of the noise, > 8; t always 0, > 18; gradients never
reset, > 20; n_iters / batch_size steps instead of n_iters, > 2.

Graded on training: the same function called with n_iters = 1 must not
already generate the spiral. One Adam step leaves the model untrained: mean
distance 9.2 or more (median 14) for the reference and two alternative
solutions over 50 seeds (samples that diverge count as infinitely far). The
bound, more than 1.0, is a margin of 9 on that side and sits far above the
0.02 of a denoiser written in closed form from the training points, which
needs no training at all.
"""

import numpy as np
import torch

from tpgrade.grader import Fail, PyFunction, expect, question, reference, sibling

ref = reference("day3")
common = sibling(__file__, "common")

T, BETA_END, N_ITERS, N_DATA, N_GENERATED = 100, 0.1, 300, 1000, 500
DISTANCE_BOUND, COVERAGE_BOUND, NEAR = 0.28, 0.8, 0.15
UNTRAINED_DISTANCE = 1.0

SAMPLE = PyFunction(
    '''
def sample_from_model(model, n, betas, seed):
    """The standard DDPM sampler with the student's model as eps_model."""
    import torch

    if hasattr(model, "eval"):
        model.eval()
    generator = torch.Generator(device=betas.device).manual_seed(seed)
    betas = betas.to(torch.float32)
    alpha_bars = torch.cumprod(1.0 - betas, dim=0)
    x = torch.randn((n, 2), generator=generator)
    with torch.no_grad():
        for t in range(len(betas) - 1, -1, -1):
            eps = model(x, torch.full((n,), t, dtype=torch.int64))
            if not isinstance(eps, torch.Tensor) or tuple(eps.shape) != (n, 2):
                return "shape " + str(tuple(getattr(eps, "shape", ())))
            x = (x - betas[t] / torch.sqrt(1.0 - alpha_bars[t]) * eps) / torch.sqrt(1.0 - betas[t])
            if t > 0:
                x = x + torch.sqrt(betas[t]) * torch.randn((n, 2), generator=generator)
    return x
''',
    "sample_from_model",
)


def spiral_curve(s):
    theta = np.pi * (1.0 + 2.0 * s)
    radius = 1.5 * theta / (3.0 * np.pi)
    return np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1)


def spiral_data(rng, n):
    return spiral_curve(rng.uniform(0.0, 1.0, size=n)) + 0.02 * rng.normal(size=(n, 2))


CURVE = spiral_curve(np.linspace(0.0, 1.0, 1000))  # 0.007 apart along the curve
CURVE_COVERAGE = spiral_curve(np.linspace(0.0, 1.0, 200))


def nearest_distances(a, b):
    """For each row of a, the distance to the nearest row of b (|a|² + |b|² - 2 a·b, one matrix product)."""
    squared = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(squared.min(axis=1), 0.0))


def quality(points):
    """(mean distance from the points to the curve, fraction of the curve near some point)."""
    return float(nearest_distances(points, CURVE).mean()), float(
        (nearest_distances(CURVE_COVERAGE, points) <= NEAR).mean()
    )


def train_and_sample(student, rng, n_iters, finite=True):
    data = common.tensor(spiral_data(rng, N_DATA))
    betas = ref.linear_beta_schedule(T, 1e-4, BETA_END)
    model = student.train_diffusion(data, betas, n_iters, int(rng.integers(2**31)))
    out = student.run(SAMPLE, model, N_GENERATED, betas, int(rng.integers(2**31)))
    if isinstance(out, str):
        raise Fail(f"model(x_t, t) doit renvoyer un tenseur de la forme de x_t, (N, 2) ; obtenu : {out[6:]}")
    expect(isinstance(out, torch.Tensor), "l'échantillonnage avec votre modèle n'a pas donné de tenseur")
    points = out.to(torch.float64).numpy()
    expect(
        not finite or bool(np.all(np.isfinite(points))),
        "les points générés avec votre modèle ne sont pas finis (nan ou inf) : le modèle a divergé "
        "ou n'a pas appris à prédire le bruit",
    )
    return points


@question("train_diffusion", points=0.5, timeout=60)
def test_model_predicts_noise_shaped_output(student, rng):
    # A short run: the returned model must be callable as model(x_t, t) with t an int64 tensor (N,).
    train_and_sample(student, rng, 20)


@question("train_diffusion", points=2.5, timeout=60)
def test_generates_the_spiral(student, rng):
    points = train_and_sample(student, rng, N_ITERS)
    distance, coverage = quality(points)
    expect(
        distance <= DISTANCE_BOUND,
        f"les points générés sont trop loin de la spirale (distance moyenne {distance:.2f}, au plus "
        f"{DISTANCE_BOUND:g} attendu après {N_ITERS} itérations) : vérifiez que la cible est le bruit, "
        "que t est tiré au hasard pour chaque exemple, et l'optimiseur",
    )
    expect(
        coverage >= COVERAGE_BOUND,
        f"les points générés ne couvrent qu'une partie de la spirale ({coverage:.0%} de la courbe, au moins "
        f"{COVERAGE_BOUND:.0%} attendu)",
    )
    # Drawn after the graded run, so that its data and seeds are those measured above.
    early = train_and_sample(student, rng, 1, finite=False)
    early_distance = quality(early)[0] if np.all(np.isfinite(early)) else np.inf
    expect(
        early_distance > UNTRAINED_DISTANCE,
        f"avec n_iters = 1, le modèle renvoyé génère déjà la spirale (distance moyenne {early_distance:.2f}) : "
        "le modèle doit venir de l'entraînement (n_iters pas d'Adam sur ddpm_loss), pas des données "
        "elles-mêmes",
    )
