"""Hidden graders of ``conv2d_valid``: single-channel cross-correlation, no padding, NumPy only.

Expected values come from the reference, which equals
``torch.nn.functional.conv2d`` in float64 (checked by the test suite).

Tolerance: each output is a sum of kh*kw <= 25 float64 products whose terms
are at most max|k| * max|x|; any summation order is exact to ~25 ulps of
sum|k| * max|x|, i.e. ~5e-15 of that scale. rtol = 1e-10 plus an atol of
1e-10 times that scale keeps a margin of 1e4. The wrong answers are off by
O(1): a flipped kernel (a true convolution, with kernels that are not
symmetric), transposed kernel axes (non-square kernels), an output one row
or column short or too long (the shape is checked first).
"""

import numpy as np

from tpgrade.grader import expect_array, question, reference

ref = reference("day4")

RTOL = 1e-10


def check(student, x, k, what):
    expected = ref.conv2d_valid(x, k)
    scale = float(np.abs(k).sum() * np.abs(x).max())
    expect_array(
        student.conv2d_valid(x, k),
        expected,
        rtol=RTOL,
        atol=RTOL * scale,
        what=f"la corrélation croisée ({what})",
    )


@question("conv2d_valid", points=0.75, numpy_only=True)
def test_non_square_image_and_kernel(student, rng):
    check(student, rng.normal(size=(7, 9)), rng.normal(size=(3, 2)), "image 7×9, noyau 3×2")
    check(student, rng.normal(size=(10, 6)), rng.normal(size=(2, 4)), "image 10×6, noyau 2×4")


@question("conv2d_valid", points=0.5, numpy_only=True)
def test_square_kernels(student, rng):
    check(student, rng.normal(size=(8, 8)), rng.normal(size=(3, 3)), "image 8×8, noyau 3×3")
    check(student, rng.uniform(0.0, 1.0, size=(12, 11)), rng.normal(size=(5, 5)), "image 12×11, noyau 5×5")


@question("conv2d_valid", points=0.5, numpy_only=True)
def test_edge_shapes(student, rng):
    # Kernel as large as the image: a single output, the sum of the elementwise product.
    x = rng.normal(size=(4, 6))
    check(student, x, rng.normal(size=(4, 6)), "noyau de la taille de l'image, sortie 1×1")
    # A 1×1 kernel multiplies the image; a single row or column kernel slides along one axis.
    check(student, x, rng.normal(size=(1, 1)), "noyau 1×1")
    check(student, rng.normal(size=(5, 9)), rng.normal(size=(1, 4)), "noyau d'une seule ligne (1×4)")
    check(student, rng.normal(size=(9, 3)), rng.normal(size=(4, 1)), "noyau d'une seule colonne (4×1)")


@question("conv2d_valid", points=0.25, numpy_only=True)
def test_edge_detector(student, rng):
    # A step image and an antisymmetric kernel: a flipped kernel gives the opposite sign.
    x = np.zeros((6, 8))
    x[:, int(rng.integers(3, 6)) :] = 1.0
    k = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    check(student, x, k, "filtre de Sobel sur une marche")
