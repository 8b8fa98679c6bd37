"""Hidden graders of ``interpolate``: the straight path from z0 to z1, endpoints included.

Row ``i`` must be ``z0 + t_i (z1 - z0)`` with ``t_i = i / (n_steps - 1)``;
NumPy arrays give a NumPy array, torch tensors a torch tensor.

Tolerance: in float64 any arrangement of the formula (``(1 - t) z0 + t z1``,
``z0 + t (z1 - z0)``, ``np.linspace`` with array endpoints) is exact to a few
ulps of the largest coordinate, so rtol = 1e-12 and atol = 1e-12 times the
scale keep a margin of 1e3. In float32 (tensors) the unit round-off is 6e-8
and the formula has three operations: atol = 1e-6 times the scale (a margin
of ~5). An excluded endpoint, a path run backwards or ``n_steps - 1`` points
are off by a whole step or fail on the shape.
"""

import numpy as np
import torch

from tpgrade.grader import expect, expect_array, question, reference

ref = reference("day1")


def check_numpy(student, z0, z1, n_steps, what):
    expected = ref.interpolate(z0, z1, n_steps)
    scale = float(np.max(np.abs(expected)))
    expect_array(student.interpolate(z0, z1, n_steps), expected, rtol=1e-12, atol=1e-12 * scale, what=what)


def check_torch(student, z0, z1, n_steps, what):
    got = student.interpolate(torch.from_numpy(z0), torch.from_numpy(z1), n_steps)
    expect(
        isinstance(got, torch.Tensor),
        f"{what} : avec des tenseurs torch en entrée, le résultat doit être un torch.Tensor, "
        f"pas un objet de type {type(got).__name__}",
    )
    expect(
        got.dtype.is_floating_point,
        f"{what} : le résultat a le type {got.dtype}, un type flottant est attendu",
    )
    expected = ref.interpolate(z0.astype(np.float64), z1.astype(np.float64), n_steps)
    scale = float(np.max(np.abs(expected)))
    expect_array(got.numpy(), expected, rtol=1e-6, atol=1e-6 * scale, what=what)


@question("interpolate", points=1.0)
def test_numpy_path(student, rng):
    d, n_steps = int(rng.integers(3, 7)), int(rng.integers(5, 12))
    check_numpy(
        student,
        rng.normal(size=d),
        rng.normal(size=d),
        n_steps,
        f"le chemin de {n_steps} points en dimension {d} (NumPy)",
    )
    check_numpy(
        student,
        rng.normal(size=2),
        rng.normal(size=2),
        10,
        "le chemin de 10 points dans un espace latent de dimension 2 (NumPy)",
    )


@question("interpolate", points=0.5)
def test_two_steps_are_the_endpoints(student, rng):
    z0, z1 = rng.normal(size=4), rng.normal(size=4)
    check_numpy(student, z0, z1, 2, "le chemin de 2 points (les deux extrémités)")
    check_numpy(student, z0, z1, 3, "le chemin de 3 points (les extrémités et le milieu)")


@question("interpolate", points=1.0)
def test_torch_tensors(student, rng):
    d, n_steps = int(rng.integers(2, 6)), int(rng.integers(4, 10))
    z0 = rng.normal(size=d).astype(np.float32)
    z1 = rng.normal(size=d).astype(np.float32)
    check_torch(student, z0, z1, n_steps, f"le chemin de {n_steps} points en dimension {d} (torch)")
    check_torch(student, z0, z1, 2, "le chemin de 2 points (torch)")
