"""Hidden graders of ``diagnose_learning_curve``: clear-cut synthetic curves of each kind.

Each test draws three curves of one kind (lengths, rates, levels and noise
drawn from ``rng``) and asks for the diagnosis of each. The shapes are far
from every boundary between kinds, so that any sensible rule agrees on them:

- healthy: both losses fall by a factor 5 to 20 and end within ~15 % of
  each other, the validation loss keeps falling (or flattens) to the end;
- overfitting: the training loss falls to ~0.05 while the validation loss,
  after its minimum (reached at 20-40 % of the epochs), climbs back to at
  least twice that minimum;
- underfitting: both losses stay high (about 2, the level of a guess among
  ten classes) and fall by 8-15 % only;
- divergence: the training loss grows steadily (10x to 100x), or falls at
  first and then explodes to inf and nan.

The noise is multiplicative, 1 + 0.01 N(0, 1) on each value: even the
smallest signal, the 8 % fall of an underfitting curve, is 5 or more standard
deviations of the difference of two single values, so comparing the first
and the last values works as well as comparing window averages.
"""

import numpy as np

from tpgrade.grader import expect, question

KINDS = ("healthy", "overfitting", "underfitting", "divergence")
NOISE = 0.01


def noisy(rng, curve):
    return curve * (1.0 + NOISE * rng.normal(size=curve.shape))


def healthy(rng, n):
    t = np.linspace(0.0, 1.0, n)
    start, floor = rng.uniform(1.5, 2.5), rng.uniform(0.08, 0.2)
    train = floor + (start - floor) * np.exp(-rng.uniform(4.0, 7.0) * t)
    val = train * rng.uniform(1.05, 1.15) + 0.02
    return noisy(rng, train), noisy(rng, val)


def overfitting(rng, n):
    t = np.linspace(0.0, 1.0, n)
    start = rng.uniform(1.5, 2.5)
    train = 0.05 + (start - 0.05) * np.exp(-rng.uniform(6.0, 9.0) * t)
    t_min, val_min = rng.uniform(0.2, 0.4), rng.uniform(0.4, 0.7)
    # Falls to val_min at t_min, then rises linearly to 2-3 times val_min.
    rise = rng.uniform(1.0, 2.0) * val_min / (1.0 - t_min)
    val = np.where(
        t < t_min,
        val_min + (start - val_min) * (1.0 - t / t_min) ** 2,
        val_min + rise * (t - t_min),
    )
    return noisy(rng, train), noisy(rng, val)


def underfitting(rng, n):
    t = np.linspace(0.0, 1.0, n)
    start = rng.uniform(1.8, 2.3)
    drop = rng.uniform(0.08, 0.15) * start
    train = start - drop * (1.0 - np.exp(-3.0 * t)) / (1.0 - np.exp(-3.0))
    val = train + rng.uniform(0.02, 0.08)
    return noisy(rng, train), noisy(rng, val)


def divergence_growth(rng, n):
    t = np.linspace(0.0, 1.0, n)
    start = rng.uniform(1.5, 2.5)
    train = start * np.exp(np.log(rng.uniform(10.0, 100.0)) * t)
    val = train * rng.uniform(1.0, 1.2)
    return noisy(rng, train), noisy(rng, val)


def divergence_explodes(rng, n):
    """Falls for a while, then grows by 10x per epoch until inf, then nan."""
    start = rng.uniform(1.5, 2.5)
    turn = int(n * rng.uniform(0.3, 0.5))
    train = np.empty(n)
    train[:turn] = start * np.exp(-np.linspace(0.0, 1.0, turn))
    train[turn:] = train[turn - 1] * 10.0 ** np.arange(1, n - turn + 1)
    train = noisy(rng, train)
    n_inf = n - turn - 4
    train[turn + 4 :] = np.where(np.arange(n_inf) < 2, np.inf, np.nan)
    val = train * 1.1
    return train, val


def check(student, rng, kind, makers):
    """Three curves, of 20-29, 40-59 and 100 epochs, one from each of ``makers``."""
    for i, n in enumerate((int(rng.integers(20, 30)), int(rng.integers(40, 60)), 100)):
        train, val = makers[i](rng, n)
        got = student.diagnose_learning_curve(train, val)
        expect(
            type(got) is str and got in KINDS,
            f"diagnose_learning_curve doit renvoyer l'une des chaînes {', '.join(KINDS)}, pas {got!r}"[:200],
        )
        expect(
            got == kind,
            f"diagnostic incorrect pour une courbe synthétique nette "
            f"(courbe {i + 1}/3 de ce test, {n} époques) : vous avez répondu « {got} »",
        )


@question("diagnose_learning_curve", points=0.5)
def test_healthy_curves(student, rng):
    check(student, rng, "healthy", [healthy] * 3)


@question("diagnose_learning_curve", points=0.5)
def test_overfitting_curves(student, rng):
    check(student, rng, "overfitting", [overfitting] * 3)


@question("diagnose_learning_curve", points=0.5)
def test_underfitting_curves(student, rng):
    check(student, rng, "underfitting", [underfitting] * 3)


@question("diagnose_learning_curve", points=0.5)
def test_divergence_curves(student, rng):
    # One steady growth and two explosions to inf then nan, in a random order.
    makers = [divergence_growth, divergence_explodes, divergence_explodes]
    rng.shuffle(makers)
    check(student, rng, "divergence", makers)
