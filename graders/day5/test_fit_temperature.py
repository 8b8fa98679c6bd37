"""Hidden graders of ``fit_temperature``: the T > 0 minimising the NLL of softmax(logits / T).

Graded as the contract says: the mean NLL at the student's temperature must
be within 1e-4 of the optimal NLL (not the temperature itself, which a flat
minimum leaves loosely determined).

The problems: labels, and logits that favour the label with noise, so that
some predictions are wrong (the minimum then exists: the NLL's derivative in
beta = 1/T is increasing, negative at beta = 0 when the true class scores above
the average, positive for large beta once a prediction is wrong). Since
NLL(T; c z) = NLL(T / c; z), rescaling the logits by c moves the optimum
from T0 to c T0: each problem is rescaled so that its optimum is a chosen
temperature (overconfident: T* in [2.5, 4]; underconfident: T* in [0.25, 0.5]).

The optimal NLL is computed here, independently of the student: the smaller of
the NLL at the reference's temperature (bisection on the derivative to the
float resolution) and the minimum over a grid of 161 temperatures
geometrically spaced from T*/1.5 to 1.5 T* (spacing 0.5 %, so the grid's best
point is within 3e-6 of the optimum), computed here with its own log-sum-exp.

Tolerance: 1e-4 on the NLL, the contract's. The NLL is computed by the
log-sum-exp form, exact to ~1e-15. Measured over 50 seeds on these problems:
a temperature 1 % away from T* costs at most 5.3e-5, so the tolerance asks for
T within about 1.4 % (any 1-D minimiser, or a grid with a relative step under
1 %, gets there); the reference lands within 3e-15 of the optimum; the
known-wrong variants of the test suite (1 / T*, the NLL at the predicted
class, twenty steps of gradient descent, the mean probability instead of the
mean log-probability) are at least 1e-2 above it on the 10-, 6- and 5-class
problems (2.7e-4 on the 12-example binary one).
"""

import numpy as np

from tpgrade.grader import expect, expect_scalar, question, reference

ref = reference("day5")

NLL_TOLERANCE = 1e-4


def problem(rng, n, k, target, margin=1.5):
    """Logits whose temperature optimum is ``target``, and their labels."""
    while True:
        labels = rng.integers(0, k, size=n)
        logits = rng.normal(size=(n, k))
        logits[np.arange(n), labels] += margin
        wrong = np.any(logits.argmax(axis=1) != labels)
        true_above_mean = np.mean(logits[np.arange(n), labels] - logits.mean(axis=1)) > 0
        if wrong and true_above_mean:
            break
    t0 = ref.fit_temperature(logits, labels)
    return logits * (target / t0), labels


def nll_curve(logits, labels, temperatures):
    """Mean NLL of softmax(logits / T) for each T of ``temperatures``, vectorised."""
    z = logits[None, :, :] / temperatures[:, None, None]
    top = z.max(axis=2)
    lse = top + np.log(np.exp(z - top[:, :, None]).sum(axis=2))
    return (lse - z[:, np.arange(len(labels)), labels]).mean(axis=1)


def optimal_nll(logits, labels, t_guess):
    on_grid = float(nll_curve(logits, labels, np.geomspace(t_guess / 1.5, t_guess * 1.5, 161)).min())
    return min(on_grid, ref.temperature_nll(logits, labels, ref.fit_temperature(logits, labels)))


def check(student, logits, labels, target, what):
    t = expect_scalar(
        student.fit_temperature(logits, labels),
        target,
        rtol=np.inf,
        atol=np.inf,
        what=f"la température ({what})",
    )
    expect(t > 0.0, f"la température doit être strictement positive ({what})")
    gap = ref.temperature_nll(logits, labels, t) - optimal_nll(logits, labels, target)
    expect(
        gap <= NLL_TOLERANCE,
        f"la NLL à votre température dépasse la NLL minimale de {gap:.2e} "
        f"(tolérance {NLL_TOLERANCE:g}) ({what})",
    )


@question("fit_temperature", points=0.75, timeout=30)
def test_overconfident_model(student, rng):
    target = float(rng.uniform(2.5, 4.0))
    logits, labels = problem(rng, 400, 10, target)
    check(student, logits, labels, target, "modèle trop confiant, 400 exemples, 10 classes")


@question("fit_temperature", points=0.5, timeout=30)
def test_underconfident_model(student, rng):
    target = float(rng.uniform(0.25, 0.5))
    logits, labels = problem(rng, 300, 5, target)
    check(student, logits, labels, target, "modèle pas assez confiant, 300 exemples, 5 classes")


@question("fit_temperature", points=0.5, timeout=30)
def test_two_classes_few_examples(student, rng):
    target = float(rng.uniform(2.5, 4.0))
    logits, labels = problem(rng, 12, 2, target, margin=1.0)
    check(student, logits, labels, target, "2 classes, 12 exemples")


@question("fit_temperature", points=0.25, timeout=30)
def test_large_logits(student, rng):
    # A constant added to a row does not change its softmax; 1000 / T overflows
    # exp unless each row is shifted by its maximum.
    target = float(rng.uniform(2.5, 4.0))
    logits, labels = problem(rng, 200, 6, target)
    logits = logits + rng.uniform(500.0, 1000.0, size=(200, 1))
    check(student, logits, labels, target, "logits de l'ordre de 1000")
