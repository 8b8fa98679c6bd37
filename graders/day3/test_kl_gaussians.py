"""Hidden graders of ``kl_gaussians``: closed-form KL(q ‖ p) of diagonal Gaussians.

The result is summed over the last axis and has the kind of the inputs: NumPy
in, NumPy out; torch in, torch out (same dtype).

Tolerance: per dimension the KL is a sum of terms of size at most
|logvar| + exp(|Δlogvar|) + Δmu² * exp(-logvar_p) <= S (the scale below,
computed from the inputs); a float64 result is accurate to ~1e-15 * S * d,
a float32 one to ~1e-7 * S * d. The bounds atol = 1e-12 * S * d (float64) and
1e-5 * S * d (float32), with rtol = 1e-10 or 1e-5, keep a margin of 100 and
accept any arrangement of the formula (exp(lq - lp) or exp(lq) / exp(lp),
torch.distributions...). Wrong formulas are off by O(1) per dimension: the
log-variance ratio with the wrong sign, q and p swapped (KL is not
symmetric: the draws below keep var_q / var_p away from 1), no factor 1/2, a
mean instead of a sum.
"""

import numpy as np
import torch

from tpgrade.grader import expect, expect_array, expect_scalar, question, reference, sibling

ref = reference("day3")
common = sibling(__file__, "common")


def draw(rng, shape):
    """Parameters of q and p; the log-variances differ by at least 0.3 in every dimension."""
    mu_q, mu_p = rng.normal(size=shape), rng.normal(size=shape)
    logvar_q = rng.uniform(-2.0, 2.0, size=shape)
    logvar_p = logvar_q + rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.3, 2.0, size=shape)
    return mu_q, logvar_q, mu_p, logvar_p


def scale(mu_q, logvar_q, mu_p, logvar_p):
    """An upper bound of the size of the terms summed in one KL (see the docstring)."""
    size = (
        np.abs(logvar_q)
        + np.abs(logvar_p)
        + np.exp(logvar_q - logvar_p)
        + (mu_q - mu_p) ** 2 * np.exp(-logvar_p)
        + 1.0
    )
    return float(np.max(size)) * size.shape[-1]


def check_numpy(student, params, what):
    expected = ref.kl_gaussians(*params)
    atol = 1e-12 * scale(*params)
    got = student.kl_gaussians(*params)
    if np.ndim(expected) == 0:
        if isinstance(got, np.ndarray) and got.ndim == 0:
            got = got[()]
        expect(
            isinstance(got, np.floating | float),
            f"pour des paramètres NumPy de forme (d,), kl_gaussians doit renvoyer un nombre NumPy, "
            f"pas {common.describe(got)} ({what})",
        )
        expect_scalar(got, float(expected), rtol=1e-10, atol=atol, what=f"la KL ({what})")
    else:
        expect_array(got, expected, rtol=1e-10, atol=atol, what=f"la KL ({what})")


def check_torch(student, params, dtype, what):
    tensors = [common.tensor(p, dtype) for p in params]
    expected = ref.kl_gaussians(*[common.f64(t) for t in tensors])
    as_numpy = [t.to(torch.float64).numpy() for t in tensors]
    atol = (1e-12 if dtype == torch.float64 else 1e-5) * scale(*as_numpy)
    rtol = 1e-10 if dtype == torch.float64 else 1e-5
    common.expect_tensor(
        student.kl_gaussians(*tensors),
        expected,
        rtol=rtol,
        atol=atol,
        dtype=dtype,
        what=f"la KL ({what}, tenseurs {dtype})",
    )


@question("kl_gaussians", points=0.5)
def test_numpy_batch(student, rng):
    check_numpy(student, draw(rng, (6, 4)), "lot de 6 paires en dimension 4")
    check_numpy(student, draw(rng, (1, 7)), "une seule paire, N = 1")


@question("kl_gaussians", points=0.5)
def test_numpy_vector_and_equal_gaussians(student, rng):
    check_numpy(student, draw(rng, (5,)), "paramètres de forme (d,)")
    mu, logvar = rng.normal(size=(3, 4)), rng.uniform(-2.0, 2.0, size=(3, 4))
    # KL(q ‖ q) = 0: only round-off remains.
    check_numpy(student, (mu, logvar, mu.copy(), logvar.copy()), "deux gaussiennes identiques")


@question("kl_gaussians", points=0.5)
def test_torch_float32(student, rng):
    check_torch(student, draw(rng, (8, 3)), torch.float32, "lot de 8 paires en dimension 3")
    check_torch(student, draw(rng, (1, 5)), torch.float32, "N = 1")


@question("kl_gaussians", points=0.5)
def test_torch_float64_against_standard_normal(student, rng):
    # The VAE's prior: p = N(0, I), given as zeros of the same shape.
    mu_q, logvar_q, _, _ = draw(rng, (5, 6))
    check_torch(student, (mu_q, logvar_q, np.zeros((5, 6)), np.zeros((5, 6))), torch.float64, "p = N(0, I)")
    check_torch(student, draw(rng, (4, 2)), torch.float64, "lot de 4 paires en dimension 2")
