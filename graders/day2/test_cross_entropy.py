"""Hidden graders of ``cross_entropy``: mean NLL of softmax at the labels, stable.

Tolerance: in float64 the log-sum-exp form is accurate to ~1e-15 relative to
the size of the logits (|z| * 1e-16 absolute, i.e. ~1e-12 for logits of 1e4,
~1e-13 for logits of 1e3). rtol = 1e-10 with atol = 1e-9 keeps a margin of
1000 over that; a sum instead of a mean, a missing shift (inf/nan) or a
log(0) are off by O(1) or more.
"""

from tpgrade.grader import expect_scalar, question, reference

ref = reference("day2")

RTOL, ATOL = 1e-10, 1e-9


def labels(rng, n, k):
    return rng.integers(0, k, size=n)


def check(student, logits, y, what):
    expect_scalar(
        student.cross_entropy(logits, y), ref.cross_entropy(logits, y), rtol=RTOL, atol=ATOL, what=what
    )


@question("cross_entropy", points=0.5, numpy_only=True)
def test_random_logits(student, rng):
    for n, k in ((6, 4), (10, 3)):
        check(student, rng.normal(scale=2.0, size=(n, k)), labels(rng, n, k), f"la perte d'un lot {n}×{k}")


@question("cross_entropy", points=0.5, numpy_only=True)
def test_single_example(student, rng):
    check(
        student, rng.normal(scale=2.0, size=(1, 5)), labels(rng, 1, 5), "la perte d'un seul exemple (N = 1)"
    )


@question("cross_entropy", points=0.5, numpy_only=True)
def test_large_logits(student, rng):
    # Logits around 1e4: exp overflows without the max shift.
    n, k = 5, 4
    check(
        student,
        1e4 + rng.normal(scale=3.0, size=(n, k)),
        labels(rng, n, k),
        "la perte pour des logits de l'ordre de 1e4",
    )


@question("cross_entropy", points=0.5, numpy_only=True)
def test_confidently_wrong(student, rng):
    # Some true labels sit 1000 or more below the row's maximum: their
    # probability underflows to 0, so log(softmax) gives inf while the loss is
    # finite (log-sum-exp). Two labels are made wrong in each draw.
    n, k = 6, 5
    logits = rng.normal(scale=3.0, size=(n, k))
    y = labels(rng, n, k)
    for i in (0, n // 2):
        logits[i, y[i]] = logits[i].max() - rng.uniform(1000.0, 2000.0)
    check(student, logits, y, "la perte quand le modèle se trompe avec une grande confiance")
