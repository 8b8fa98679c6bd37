"""Hidden graders of ``q_sample``: ``sqrt(ab[t]) x0 + sqrt(1 - ab[t]) noise``, one t per example.

``t`` is an int64 tensor of shape (N,), broadcast over the other axes of x0;
``alpha_bars`` is the float64 schedule. The result may be float32 or float64
(float32 x0 times a float64 schedule): it is compared in float64 with the
reference. Its size is at most |x0| + |noise|, and float32 arithmetic errs by a
few ulps of that: atol = 1e-6 times the largest |x0| + |noise| (8 ulps),
rtol = 1e-5. Wrong answers are far outside: ab[t - 1] for ab[t] changes
the coefficients by about beta_t / 2 >= 5e-4 relative at t >= 1 with
T = 100 (50 times rtol) and reads the last alpha_bar at t = 0, which every
batch of two or more holds; no square roots, ab[t] broadcast along the last
axis instead of the first (the square case), one t for the whole batch are
off by O(1).
"""

import numpy as np
import torch

from tpgrade.grader import question, reference, sibling

ref = reference("day3")
common = sibling(__file__, "common")


def schedule(T=100, beta_end=0.1):
    return ref.alpha_bar(ref.linear_beta_schedule(T, 1e-4, beta_end))


def times(rng, n, T):
    """Distinct-ish steps, with the first and the last step of the chain present when n >= 2."""
    t = rng.integers(0, T, size=n)
    t[0] = 0
    if n >= 2:
        t[-1] = T - 1
    return torch.from_numpy(t).to(torch.int64)


def check(student, x0, t, noise, alpha_bars, what):
    expected = ref.q_sample(common.f64(x0), t, common.f64(noise), alpha_bars)
    size = float((x0.abs() + noise.abs()).max())
    rtol, atol = (1e-5, 1e-6 * size) if x0.dtype == torch.float32 else (1e-12, 1e-12 * size)
    common.expect_tensor(
        student.q_sample(x0, t, noise, alpha_bars), expected, rtol=rtol, atol=atol, what=f"x_t ({what})"
    )


@question("q_sample", points=0.75)
def test_points_in_the_plane(student, rng):
    x0, noise = common.tensor(rng.normal(size=(9, 2))), common.tensor(rng.normal(size=(9, 2)))
    check(student, x0, times(rng, 9, 100), noise, schedule(), "9 points du plan, un t par point")
    x0, noise = common.tensor(rng.normal(size=(1, 2))), common.tensor(rng.normal(size=(1, 2)))
    t = torch.tensor([int(rng.integers(1, 100))])
    check(student, x0, t, noise, schedule(), "un seul point, N = 1")


@question("q_sample", points=0.5)
def test_images(student, rng):
    x0 = common.tensor(rng.uniform(-1.0, 1.0, size=(5, 1, 8, 8)))
    noise = common.tensor(rng.normal(size=(5, 1, 8, 8)))
    check(student, x0, times(rng, 5, 1000), noise, schedule(1000, 0.02), "images (5, 1, 8, 8), T = 1000")


@question("q_sample", points=0.5)
def test_square_batch(student, rng):
    # N = d = 4 with four different t: ab[t] must vary along the batch axis, not the last one.
    x0, noise = common.tensor(rng.normal(size=(4, 4))), common.tensor(rng.normal(size=(4, 4)))
    t = torch.from_numpy(rng.permutation(np.array([0, 20, 55, 99]))).to(torch.int64)
    check(student, x0, t, noise, schedule(), "lot carré 4 × 4, quatre t différents")


@question("q_sample", points=0.25)
def test_float64(student, rng):
    x0 = common.tensor(rng.normal(size=(6, 3)), torch.float64)
    noise = common.tensor(rng.normal(size=(6, 3)), torch.float64)
    check(student, x0, times(rng, 6, 100), noise, schedule(), "tenseurs float64")
