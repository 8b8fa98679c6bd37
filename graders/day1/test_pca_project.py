"""Hidden graders of ``pca_project``: centred data on its top-k principal directions, NumPy only.

The data are built with a known, well-separated spectrum: ``H = m + U S Vᵀ``
with ``U`` orthonormal columns orthogonal to the all-ones vector (so ``U S Vᵀ``
is already centred), ``V`` orthonormal, and singular values whose consecutive
ratios are at least 1.5. The principal directions are then the columns of
``V`` and the projections ``U S``, each column defined up to sign: the judge
aligns the sign of each column of the answer with the reference's before
comparing (a column that is zero is left alone).

Tolerance: with relative gaps >= 1/3 between consecutive singular values the
directions are well conditioned; an SVD of the centred data, or ``eigh`` of
its covariance (dividing by N or N-1), gives the projections to ~1e-13 times
the largest one in float64. rtol = 1e-8 and atol = 1e-8 times the largest
projection leave a margin of 1e5, while the classic slips (no centring, the
smallest components taken from ``eigh``'s ascending order, the columns of
``Vt`` instead of its rows, whitened scores) are off by O(1).
"""

import numpy as np

from tpgrade.grader import expect, expect_array, question, reference

ref = reference("day1")

RTOL = 1e-8


def orthonormal_columns(rng, n, r, centred):
    """``r`` random orthonormal columns of length ``n`` (orthogonal to the ones if ``centred``)."""
    A = rng.normal(size=(n, r))
    if centred:
        A -= A.mean(axis=0)
    Q, _ = np.linalg.qr(A)
    return Q


def structured_data(rng, n, d, singular_values, offset_scale=3.0):
    s = np.asarray(singular_values, dtype=np.float64)
    U = orthonormal_columns(rng, n, s.size, centred=True)
    V = orthonormal_columns(rng, d, s.size, centred=False)
    mean = rng.normal(scale=offset_scale, size=d)
    return mean + (U * s) @ V.T


def spectrum(rng, r, top=20.0):
    """``r`` decreasing singular values, each 1.5 to 2.5 times smaller than the one before."""
    return top / np.cumprod(np.concatenate([[1.0], rng.uniform(1.5, 2.5, size=r - 1)]))


def check(student, H, k, what, call_k=True):
    expected = ref.pca_project(H, k)
    got = student.pca_project(H, k) if call_k else student.pca_project(H)
    expect(
        type(got) is np.ndarray,
        f"{what} : le résultat doit être un tableau NumPy (numpy.ndarray), "
        f"pas un objet de type {type(got).__name__}",
    )
    expect(
        got.shape == expected.shape,
        f"{what} : le résultat a la forme {got.shape}, la forme attendue est {expected.shape}",
    )
    expect(got.dtype.kind == "f", f"{what} : le résultat a le type {got.dtype}, un type flottant est attendu")
    # Each column is defined up to sign: flip the student's to match (never by 0).
    signs = np.where(np.sum(got.astype(np.float64) * expected, axis=0) < 0, -1.0, 1.0)
    scale = float(np.max(np.abs(expected)))
    expect_array(
        got * signs, expected, rtol=RTOL, atol=RTOL * scale, what=f"{what} (à un signe près par colonne)"
    )


@question("pca_project", points=1.0, numpy_only=True)
def test_two_components(student, rng):
    H = structured_data(rng, 40, 6, spectrum(rng, 5))
    check(student, H, 2, "la projection sur 2 composantes (N=40, d=6, k par défaut)", call_k=False)
    H = structured_data(rng, 25, 10, spectrum(rng, 6))
    check(student, H, 2, "la projection sur 2 composantes (N=25, d=10)")


@question("pca_project", points=0.5, numpy_only=True)
def test_other_k(student, rng):
    H = structured_data(rng, 30, 7, spectrum(rng, 6))
    check(student, H, 1, "la projection sur 1 composante")
    check(student, H, 3, "la projection sur 3 composantes")


@question("pca_project", points=0.5, numpy_only=True)
def test_far_from_origin(student, rng):
    # A mean row far larger than the spread: without centring, the first
    # direction found is that of the mean.
    H = structured_data(rng, 20, 5, spectrum(rng, 4, top=5.0), offset_scale=50.0)
    check(student, H, 2, "la projection de données loin de l'origine")


@question("pca_project", points=0.5, numpy_only=True)
def test_more_features_than_examples(student, rng):
    H = structured_data(rng, 8, 20, spectrum(rng, 5))
    check(student, H, 2, "la projection avec plus de colonnes que de lignes (N=8, d=20)")
    H = structured_data(rng, 3, 5, spectrum(rng, 2))
    check(student, H, 2, "la projection de 3 points en dimension 5")


@question("pca_project", points=0.5, numpy_only=True)
def test_isotropic_noise_added(student, rng):
    # A generic matrix (full rank, noise in every direction) with a clear
    # structure on top: the top directions are still well separated.
    H = structured_data(rng, 50, 8, [30.0, 12.0, 5.0]) + rng.normal(scale=0.05, size=(50, 8))
    check(student, H, 2, "la projection de données bruitées (N=50, d=8)")
