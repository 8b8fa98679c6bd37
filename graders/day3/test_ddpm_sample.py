"""Hidden graders of ``ddpm_sample``: x_T ~ N(0, I), then reverse steps for t = T-1, ..., 0.

The samples are random, so they are checked against their exact distribution.
The data are Gaussian, N(m, s²) in every coordinate, and ``eps_model`` is the
exact noise predictor of that distribution,
    eps(x_t, t) = sqrt(1 - ab_t) (x_t - sqrt(ab_t) m) / (ab_t s² + 1 - ab_t),
sent as source. Each reverse step is then affine in x_t plus Gaussian noise,
so the output is exactly Gaussian, with a mean and a variance per coordinate
that the judge computes by the recursion mu <- A mu + B, v <- A² v + beta_t
(no beta_0 at the last step), from mu = 0, v = 1 at t = T.

Bounds (n independent values per coordinate): the sample mean within
5 sqrt(v / n) of mu, the sample variance within 5 sqrt(2 / (n - 1)) relative
of v (the standard errors of Gaussian samples; 5 sigma, two-sided
probability 5.7e-7 per check). With n = 4000 that is 11 % on the variance
and 0.024 on the mean: skipping the noise (variance 5e-5 instead of 0.09),
running t upwards (mean 0.6 instead of 1.5), one z reused at every step
(variance several times too large) are far outside. The chains are short
(T = 100, 50 and 20 steps) so that the checks cost little; the recursion is
exact for any schedule.
"""

import numpy as np
import torch

from tpgrade.grader import Fail, PyFunction, expect, question, reference, sibling

ref = reference("day3")
common = sibling(__file__, "common")

Z_BOUND = 5.0


def gaussian_eps_model(mean, variance, T, beta_start, beta_end):
    """The exact noise predictor for N(mean, variance) data (mean: a float, or one per last-axis entry)."""
    return PyFunction(
        f"""
def eps_model(x, t):
    import torch

    betas = torch.linspace({beta_start!r}, {beta_end!r}, {T!r}, dtype=torch.float64)
    ab = torch.cumprod(1.0 - betas, dim=0)[t].to(x.dtype).reshape(-1, *([1] * (x.dim() - 1)))
    mean = torch.tensor({mean!r}, dtype=x.dtype)
    return torch.sqrt(1.0 - ab) * (x - torch.sqrt(ab) * mean) / (ab * {variance!r} + 1.0 - ab)
""",
        "eps_model",
    )


def exact_output(mean, variance, betas):
    """Mean and variance of x_0 when the reverse chain uses the exact eps (see the docstring)."""
    betas = betas.numpy()
    alpha_bars = np.cumprod(1.0 - betas)
    mu, v = np.zeros_like(np.asarray(mean, dtype=float)), np.ones_like(np.asarray(mean, dtype=float))
    for t in range(len(betas) - 1, -1, -1):
        k = np.sqrt(1.0 - alpha_bars[t]) / (alpha_bars[t] * variance + 1.0 - alpha_bars[t])
        c = betas[t] / np.sqrt(1.0 - alpha_bars[t])
        a = (1.0 - c * k) / np.sqrt(1.0 - betas[t])
        b = c * k * np.sqrt(alpha_bars[t]) * np.asarray(mean) / np.sqrt(1.0 - betas[t])
        mu, v = a * mu + b, a * a * v + (betas[t] if t > 0 else 0.0)
    return mu, v


def samples(student, mean, variance, shape, T, beta_end, seed, what):
    betas = ref.linear_beta_schedule(T, 1e-4, beta_end)
    model = gaussian_eps_model(mean, variance, T, 1e-4, beta_end)
    got = student.ddpm_sample(model, shape, betas, seed)
    if not isinstance(got, torch.Tensor):
        raise Fail(f"les échantillons ({what}) doivent être un tenseur torch, pas {common.describe(got)}")
    expect(
        tuple(got.shape) == tuple(shape),
        f"les échantillons ({what}) ont la forme {tuple(got.shape)}, la forme attendue est {tuple(shape)}",
    )
    expect(
        got.is_floating_point() and bool(torch.isfinite(got).all()),
        f"les échantillons ({what}) doivent être des flottants finis",
    )
    return got.to(torch.float64).numpy(), exact_output(mean, variance, betas)


def check_moments(values, mu, v, what):
    """values: (n, k) samples of k independent coordinates; mu, v: their exact mean and variance."""
    n = values.shape[0]
    mean_gap = np.abs(values.mean(axis=0) - mu) / np.sqrt(v / n)
    expect(
        bool(np.all(mean_gap <= Z_BOUND)),
        f"la moyenne des échantillons ({what}) est à {float(mean_gap.max()):.1f} erreurs-types de la "
        f"moyenne attendue (au plus {Z_BOUND:g})",
    )
    variance_gap = np.abs(values.var(axis=0, ddof=1) / v - 1.0) / np.sqrt(2.0 / (n - 1))
    expect(
        bool(np.all(variance_gap <= Z_BOUND)),
        f"la variance des échantillons ({what}) est à {float(variance_gap.max()):.1f} erreurs-types de la "
        f"variance attendue (au plus {Z_BOUND:g}) : vérifiez le bruit ajouté à chaque pas et l'ordre des t",
    )


@question("ddpm_sample", points=1.0, timeout=30)
def test_gaussian_data_in_the_plane(student, rng):
    mean = [float(rng.uniform(1.0, 2.0)), float(rng.uniform(-1.0, -0.3))]
    variance = float(rng.uniform(0.05, 0.2))
    values, (mu, v) = samples(
        student, mean, variance, (4000, 2), 100, 0.1, int(rng.integers(2**31)), "4000 points du plan, T = 100"
    )
    check_moments(values, mu, v, "4000 points du plan, T = 100")


@question("ddpm_sample", points=0.5, timeout=30)
def test_images(student, rng):
    mean, variance = float(rng.uniform(-1.0, -0.5)), float(rng.uniform(0.1, 0.4))
    values, (mu, v) = samples(
        student,
        mean,
        variance,
        (500, 1, 4, 4),
        50,
        0.2,
        int(rng.integers(2**31)),
        "500 images (1, 4, 4), T = 50",
    )
    check_moments(values.reshape(-1, 1), np.array([mu]), np.array([v]), "500 images (1, 4, 4), T = 50")


@question("ddpm_sample", points=0.5, timeout=30)
def test_seed_decides_the_draws(student, rng):
    seed = int(rng.integers(2**31))
    first, _ = samples(student, [1.0, -1.0], 0.1, (64, 2), 20, 0.3, seed, "première graine")
    again, _ = samples(student, [1.0, -1.0], 0.1, (64, 2), 20, 0.3, seed, "même graine")
    other, _ = samples(student, [1.0, -1.0], 0.1, (64, 2), 20, 0.3, seed + 1, "autre graine")
    expect(
        bool(np.array_equal(first, again)),
        "deux appels avec la même graine doivent donner les mêmes échantillons "
        "(tirez tout le bruit d'un torch.Generator initialisé avec seed)",
    )
    expect(
        not np.array_equal(first, other),
        "deux graines différentes doivent donner des échantillons différents",
    )
