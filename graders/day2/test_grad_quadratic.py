"""Hidden graders of ``grad_quadratic``: the gradient of x1**2 + 3 x2**2."""

import numpy as np

from tpgrade.grader import expect_array, question, reference

ref = reference("day2")

# 2*x1 and 6*x2 are one float64 multiplication each (2*x even exactly): any way
# of writing them agrees to a couple of ulps, hence rtol=1e-12; atol=1e-300
# only lets an exact zero through.
RTOL, ATOL = 1e-12, 1e-300


@question("grad_quadratic", points=0.5)
def test_random_points(student, rng):
    for scale in (1.0, 100.0):
        x = rng.normal(scale=scale, size=2)
        expect_array(
            student.grad_quadratic(x),
            ref.grad_quadratic(x),
            rtol=RTOL,
            atol=ATOL,
            what="le gradient en un point aléatoire",
        )


@question("grad_quadratic", points=0.5)
def test_axes_and_origin(student, rng):
    a, b = rng.uniform(0.5, 3.0, size=2)
    for x in (np.array([a, 0.0]), np.array([0.0, -b]), np.array([-a, b]), np.zeros(2)):
        expect_array(
            student.grad_quadratic(x),
            ref.grad_quadratic(x),
            rtol=RTOL,
            atol=ATOL,
            what="le gradient sur les axes et à l'origine",
        )
