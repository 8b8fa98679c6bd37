"""Hidden graders of ``p_sample_step``: one DDPM reverse step, no noise where t == 0.

``x_{t-1} = (x_t - beta_t / sqrt(1 - ab_t) * eps) / sqrt(1 - beta_t) + sqrt(beta_t) * z``
with ``eps = eps_model(x_t, t)`` and no ``z`` term for the examples with t = 0.
``eps_model`` is a deterministic function of (x, t) sent as source; the
judge runs its own copy on the reference.

Tolerance: the result is at most |x_t| + |eps| + |z| in size, up to the factor
1 / sqrt(1 - beta_t) <= 1.06 for the schedules used; float32 arithmetic errs
by a few ulps of that: atol = 1e-6 times 2 (|x_t| + |eps| + |z|) (16 ulps at
least), rtol = 1e-5 (float64: 1e-12). Classic slips are far larger: noise
added at t = 0 adds sqrt(beta_0) |z| = 0.01 |z| (z is drawn with |z| >= 0.5
there), ab[t - 1] for ab[t] changes the eps coefficient by >= 10 % at the
small t drawn, sigma_t = beta_t instead of sqrt(beta_t) changes the noise by a
factor >= 3, dividing by sqrt(ab_t) instead of sqrt(1 - beta_t) is off by O(1)
at large t.
"""

import numpy as np
import torch

from tpgrade.grader import PyFunction, question, reference, sibling

ref = reference("day3")
common = sibling(__file__, "common")

EPS_MODEL = PyFunction(
    """
def eps_model(x, t):
    import torch

    scale = (0.5 + t.to(x.dtype) / 100.0).reshape(-1, *([1] * (x.dim() - 1)))
    return torch.sin(x) * scale + 0.2
""",
    "eps_model",
)
judge_eps_model = common.judge_side(EPS_MODEL)


def schedule(T=100, beta_end=0.1):
    betas = ref.linear_beta_schedule(T, 1e-4, beta_end)
    return betas, ref.alpha_bar(betas)


def noise_away_from_zero(rng, shape):
    """Standard normal values with |z| >= 0.5, so that a noise term cannot hide."""
    z = rng.normal(size=shape)
    return np.where(np.abs(z) < 0.5, np.sign(z + 1e-12) * 0.5, z)


def check(student, x_t, t, z, T, beta_end, what):
    betas, alpha_bars = schedule(T, beta_end)
    expected = ref.p_sample_step(judge_eps_model, common.f64(x_t), t, betas, alpha_bars, common.f64(z))
    eps = judge_eps_model(common.f64(x_t), t)
    size = 2.0 * float(x_t.abs().max() + eps.abs().max() + z.abs().max())
    rtol, atol = (1e-5, 1e-6 * size) if x_t.dtype == torch.float32 else (1e-12, 1e-12 * size)
    common.expect_tensor(
        student.p_sample_step(EPS_MODEL, x_t, t, betas, alpha_bars, z),
        expected,
        rtol=rtol,
        atol=atol,
        what=f"x_(t-1) ({what})",
    )


def draw(rng, shape, T, dtype=torch.float32):
    x_t = common.tensor(rng.normal(size=shape), dtype)
    z = common.tensor(noise_away_from_zero(rng, shape), dtype)
    t = rng.integers(1, T, size=shape[0])
    t[: max(1, shape[0] // 4)] = rng.integers(1, 4, size=max(1, shape[0] // 4))  # small t
    if shape[0] >= 3:
        t[0], t[1] = 0, T - 1
    return x_t, torch.from_numpy(t).to(torch.int64), z


@question("p_sample_step", points=0.75)
def test_points_in_the_plane(student, rng):
    x_t, t, z = draw(rng, (12, 2), 100)
    check(student, x_t, t, z, 100, 0.1, "12 points du plan, t de 0 à T - 1")


@question("p_sample_step", points=0.5)
def test_last_step_adds_no_noise(student, rng):
    x_t = common.tensor(rng.normal(size=(1, 2)))
    z = common.tensor(noise_away_from_zero(rng, (1, 2)))
    check(student, x_t, torch.zeros(1, dtype=torch.int64), z, 100, 0.1, "N = 1 et t = 0 : aucun bruit")
    x_t = common.tensor(rng.normal(size=(5, 3)))
    z = common.tensor(noise_away_from_zero(rng, (5, 3)))
    check(student, x_t, torch.zeros(5, dtype=torch.int64), z, 100, 0.1, "t = 0 pour tout le lot")


@question("p_sample_step", points=0.5)
def test_images(student, rng):
    x_t, t, z = draw(rng, (4, 1, 4, 4), 1000)
    check(student, x_t, t, z, 1000, 0.02, "images (4, 1, 4, 4), T = 1000")


@question("p_sample_step", points=0.25)
def test_float64(student, rng):
    x_t, t, z = draw(rng, (6, 3), 100, torch.float64)
    check(student, x_t, t, z, 100, 0.1, "tenseurs float64")
