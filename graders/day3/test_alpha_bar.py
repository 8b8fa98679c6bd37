"""Hidden graders of ``alpha_bar``: the cumulative product of 1 - betas.

Tolerance: a cumulative product of T <= 1000 float64 factors errs by at most
T ulps relative (~2e-13): rtol = 1e-10, atol = 1e-15 (the last values of a
long schedule are ~4e-5, far above atol). A cumulative sum, the product of
the betas themselves, or a product shifted by one step (alpha_bar[t] =
prod_{s < t}) are off by O(1) at some t.
"""

import numpy as np
import torch

from tpgrade.grader import question, reference, sibling

ref = reference("day3")
common = sibling(__file__, "common")

RTOL, ATOL = 1e-10, 1e-15


def check(student, betas, what):
    common.expect_tensor(
        student.alpha_bar(betas),
        ref.alpha_bar(betas),
        rtol=RTOL,
        atol=ATOL,
        dtype=betas.dtype,
        what=f"alpha_bar ({what})",
    )


@question("alpha_bar", points=0.5)
def test_linear_schedule(student, rng):
    check(student, torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64), "planning linéaire, T = 1000")
    T = int(rng.integers(10, 100))
    check(student, torch.linspace(1e-4, 0.1, T, dtype=torch.float64), f"planning linéaire, T = {T}")


@question("alpha_bar", points=0.5)
def test_random_betas(student, rng):
    check(student, common.tensor(rng.uniform(0.01, 0.5, size=7), torch.float64), "7 beta quelconques")
    check(student, common.tensor(np.array([rng.uniform(0.01, 0.5)]), torch.float64), "un seul beta, T = 1")
