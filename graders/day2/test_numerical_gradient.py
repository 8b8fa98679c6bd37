"""Hidden graders of ``numerical_gradient``: central differences, ``x`` left unchanged.

Expected values are the analytic gradients of the probe functions. The error
of a central difference is the truncation eps**2/6 * |f'''| plus the
round-off ~ 1e-16 * |f| / eps. With eps = 1e-5 and the probes below (|f| <= 300
on the inputs drawn, |f'''| <= 3) they are at most 5e-11 and 3e-9, so
atol = 1e-7 (plus rtol = 1e-7) leaves a margin of 30. A forward difference
errs by eps/2 * |f''| >= 1e-5 on the quadratic probes, 100 times the tolerance.
"""

import numpy as np

from tpgrade.grader import PyFunction, expect, expect_array, question

RTOL, ATOL = 1e-7, 1e-7

QUADRATIC = PyFunction("def f(x):\n    return float(x[0] ** 2 + 3.0 * x[1] ** 2)\n", "f")

# Smooth, not quadratic: the gradient is cos(x) * w + x**2 with w = 1..n / n.
CUBIC_SINE = PyFunction(
    "def f(x):\n"
    "    w = np.arange(1, x.size + 1, dtype=float).reshape(x.shape) / x.size\n"
    "    return float(np.sum(np.sin(x) * w) + np.sum(x ** 3) / 3.0)\n",
    "f",
)


def cubic_sine_grad(x):
    w = np.arange(1, x.size + 1, dtype=float).reshape(x.shape) / x.size
    return np.cos(x) * w + x**2


# Sum of squares, with a weight per element: gradient 2 * w * x.
WEIGHTED_SQUARES = PyFunction(
    "def f(x):\n"
    "    w = np.arange(1, x.size + 1, dtype=float).reshape(x.shape)\n"
    "    return float(np.sum(w * x ** 2))\n",
    "f",
)


def weighted_squares_grad(x):
    return 2.0 * np.arange(1, x.size + 1, dtype=float).reshape(x.shape) * x


@question("numerical_gradient", points=0.5)
def test_quadratic_of_the_course(student, rng):
    x = rng.uniform(-3.0, 3.0, size=2)
    expect_array(
        student.numerical_gradient(QUADRATIC, x),
        np.array([2 * x[0], 6 * x[1]]),
        rtol=RTOL,
        atol=ATOL,
        what="le gradient numérique de x1² + 3 x2²",
    )


@question("numerical_gradient", points=0.5)
def test_non_quadratic_vector(student, rng):
    x = rng.uniform(-2.0, 2.0, size=int(rng.integers(5, 9)))
    expect_array(
        student.numerical_gradient(CUBIC_SINE, x),
        cubic_sine_grad(x),
        rtol=RTOL,
        atol=ATOL,
        what="le gradient numérique d'une fonction non quadratique",
    )
    # Another eps, passed by name: with eps = 1e-3 the truncation eps**2/6 * |f'''|
    # is at most 1e-6 * 3 / 6 = 5e-7 (|f'''| = |2 - cos(x) w| <= 3), hence atol = 1e-5.
    expect_array(
        student.numerical_gradient(CUBIC_SINE, x, eps=1e-3),
        cubic_sine_grad(x),
        rtol=0.0,
        atol=1e-5,
        what="le gradient numérique avec eps=1e-3",
    )


@question("numerical_gradient", points=0.5)
def test_matrix_input(student, rng):
    shape = (int(rng.integers(2, 4)), int(rng.integers(4, 6)))
    x = rng.uniform(-1.5, 1.5, size=shape)
    expect_array(
        student.numerical_gradient(WEIGHTED_SQUARES, x),
        weighted_squares_grad(x),
        rtol=RTOL,
        atol=ATOL,
        what="le gradient numérique par rapport à une matrice",
    )
    expect_array(
        student.numerical_gradient(CUBIC_SINE, x),
        cubic_sine_grad(x),
        rtol=RTOL,
        atol=ATOL,
        what="le gradient numérique non quadratique d'une matrice",
    )


@question("numerical_gradient", points=0.5)
def test_x_left_unchanged(student, rng):
    x = rng.uniform(-2.0, 2.0, size=(2, 3))
    kept = student.keep(x)  # the very array the student's function receives
    student.numerical_gradient(CUBIC_SINE, kept)
    after = student.value(kept)
    expect(
        type(after) is np.ndarray and after.shape == x.shape,
        "numerical_gradient ne doit pas changer la forme ni le type de x",
    )
    # Exactly: each element must be put back to its saved value, not recomputed
    # as (x + eps) - eps, which can differ by one ulp.
    expect_array(
        after, x, rtol=0.0, atol=0.0, what="x après l'appel de numerical_gradient (il doit rester inchangé)"
    )
