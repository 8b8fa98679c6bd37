"""Hidden graders of ``count_mlp_parameters``: weights and biases of a fully connected net.

The answer is an exact integer, so it is compared exactly (``rtol = atol = 0``)
and must be an integer (Python ``int`` or NumPy integer), not a float.
Random widths catch an answer hard-coded for the course's example, a count
without the biases, biases counted for the input layer too, and a loop that
stops after the first layers.
"""

import numpy as np

from tpgrade.grader import expect, expect_scalar, question, reference

ref = reference("day1")


def check(student, sizes, what):
    got = student.count_mlp_parameters(list(sizes))
    expect(
        type(got) is int or isinstance(got, np.integer),
        f"count_mlp_parameters doit renvoyer un entier (int), pas un objet de type {type(got).__name__}",
    )
    expect_scalar(got, ref.count_mlp_parameters(sizes), rtol=0.0, atol=0.0, what=what)


@question("count_mlp_parameters", points=0.5)
def test_course_example(student, rng):
    check(student, [784, 256, 10], "le nombre de paramètres du réseau 784-256-10")


@question("count_mlp_parameters", points=0.5)
def test_one_layer(student, rng):
    d_in, d_out = (int(v) for v in rng.integers(2, 500, size=2))
    check(student, [d_in, d_out], f"le nombre de paramètres d'une seule couche {d_in}-{d_out}")
    check(student, [1, 1], "le nombre de paramètres de la couche 1-1")


@question("count_mlp_parameters", points=1.0)
def test_random_depths_and_widths(student, rng):
    for depth in (3, 4, 6):
        sizes = [int(v) for v in rng.integers(1, 400, size=depth)]
        check(student, sizes, f"le nombre de paramètres d'un réseau à {depth - 1} couches")
