"""Hidden graders of ``relu``: elementwise max(0, z), same shape and dtype, NumPy only.

``max(0, z)`` is exact in floating point (it returns one of its arguments), so
the comparison is exact up to the sign of zero (``-0.0 == 0.0``): rtol = 0,
atol = 0. The dtype must be kept exactly (float32 stays float32), and the
input must not be modified (an in-place ``z[z < 0] = 0`` changes the caller's
array).
"""

import numpy as np

from tpgrade.grader import expect, expect_array, question, reference

ref = reference("day1")


def check(student, z, what):
    got = student.relu(z)
    expect_array(got, ref.relu(z), rtol=0.0, atol=0.0, what=what)
    expect(
        got.dtype == z.dtype,
        f"{what} a le type {got.dtype} alors que l'entrée est de type {z.dtype} (il doit être conservé)",
    )


@question("relu", points=0.5, numpy_only=True)
def test_matrix(student, rng):
    check(student, rng.normal(size=(5, 7)), "relu d'une matrice 5×7")
    check(student, rng.normal(scale=100.0, size=(1, 9)), "relu d'une matrice d'une seule ligne")


@question("relu", points=0.5, numpy_only=True)
def test_shapes_and_dtypes(student, rng):
    check(student, rng.normal(size=11), "relu d'un vecteur")
    check(student, rng.normal(size=(2, 3, 4)), "relu d'un tableau à trois axes")
    z = rng.normal(size=(6, 5)).astype(np.float32)
    z[0, :2] = 0.0  # exact zeros stay zeros
    check(student, z, "relu d'une matrice float32")


@question("relu", points=0.5, numpy_only=True)
def test_input_not_modified(student, rng):
    z = rng.normal(size=(4, 6))
    kept = student.keep(z)
    student.relu(kept)
    after = student.value(kept)
    expect_array(
        after, z, rtol=0.0, atol=0.0, what="l'entrée z après l'appel de relu (elle ne doit pas être modifiée)"
    )
