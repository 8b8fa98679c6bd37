"""Hidden graders of ``kl_monte_carlo``: the mean of log q(z) - log p(z) over n draws z ~ q.

The bounds come from the exact variance of one term. With z = mu_q + s_q e,
e ~ N(0, 1), the log-ratio in one dimension is c + a e + b e² with
a = s_q (mu_q - mu_p) / var_p and b = (var_q / var_p - 1) / 2, so its variance is
a² + 2 b² (Var e² = 2, Cov(e, e²) = 0), and the dimensions add up:
    sigma² = sum_i [var_q (mu_q - mu_p)² / var_p² + (var_q / var_p - 1)² / 2].
The estimate from n draws has standard error sigma / sqrt(n) around the exact
KL; it is accepted within 5 standard errors (two-sided probability 5.7e-7 for
a Gaussian estimate; with n >= 2000 the central limit theorem holds to well
under that: the skewness of the mean is <= 2.8 / sqrt(n) < 0.07). The 50-seed
test of the test suite runs every check of this file on the reference.

Inputs are drawn so that the KL is at least 10 standard errors: an estimate of
-KL (the log-ratio the wrong way round) or of another KL is then off by more
than twice the bound.
"""

import numpy as np

from tpgrade.grader import expect, question, reference, sibling

ref = reference("day3")
common = sibling(__file__, "common")

Z_BOUND = 5.0


def log_ratio_std(mu_q, logvar_q, mu_p, logvar_p):
    """Standard deviation of log q(z) - log p(z) under z ~ q (see the docstring)."""
    var_q, var_p = np.exp(logvar_q), np.exp(logvar_p)
    return float(np.sqrt(np.sum(var_q * (mu_q - mu_p) ** 2 / var_p**2 + 0.5 * (var_q / var_p - 1.0) ** 2)))


def draw(rng, d, n_samples):
    """Parameters of q and p, shape (d,), whose KL is at least 10 standard errors."""
    while True:
        mu_q, mu_p = rng.normal(size=d), rng.normal(size=d)
        logvar_q, logvar_p = rng.uniform(-2.0, 2.0, size=d), rng.uniform(-2.0, 2.0, size=d)
        params = (mu_q, logvar_q, mu_p, logvar_p)
        if ref.kl_gaussians(*params) >= 10.0 * log_ratio_std(*params) / np.sqrt(n_samples):
            return params


def estimate(student, params, n_samples, seed, what):
    got = student.kl_monte_carlo(*params, n_samples, seed)
    return common.real_number(got, f"l'estimation de la KL pour des paramètres de forme (d,) ({what})")


def check_close(student, params, n_samples, seed, what):
    got = estimate(student, params, n_samples, seed, what)
    kl = float(ref.kl_gaussians(*params))
    standard_error = log_ratio_std(*params) / np.sqrt(n_samples)
    expect(
        abs(got - kl) <= Z_BOUND * standard_error + 1e-9,
        f"l'estimation de Monte Carlo de la KL ({what}) est à {abs(got - kl) / standard_error:.1f} "
        f"écarts-types de la valeur exacte (au plus {Z_BOUND:g} sont tolérés) : vérifiez le sens du "
        "rapport log q - log p, que les tirages suivent q, et l'écart-type exp(0.5 * logvar)",
    )


@question("kl_monte_carlo", points=1.0, timeout=20)
def test_close_to_closed_form(student, rng):
    for d, n_samples in ((1, 2000), (3, 5000), (6, 20000)):
        params = draw(rng, d, n_samples)
        check_close(
            student, params, n_samples, int(rng.integers(2**31)), f"dimension {d}, {n_samples} tirages"
        )


@question("kl_monte_carlo", points=0.5)
def test_seed_decides_the_draws(student, rng):
    params = draw(rng, 3, 500)
    seed = int(rng.integers(2**31))
    first = estimate(student, params, 500, seed, "première graine")
    again = estimate(student, params, 500, seed, "même graine")
    other = estimate(student, params, 500, seed + 1, "autre graine")
    expect(
        abs(first - again) <= 1e-12 * max(1.0, abs(first)),
        "deux appels avec la même graine doivent donner la même estimation "
        "(utilisez np.random.default_rng(seed))",
    )
    expect(first != other, "deux graines différentes doivent donner des estimations différentes")


@question("kl_monte_carlo", points=0.5, timeout=20)
def test_spread_matches_n_samples(student, rng):
    # 40 estimates from n = 100 draws each, with distinct seeds: their sample
    # standard deviation s must be close to sigma / sqrt(100). For Gaussian
    # estimates 39 s² / sigma_n² follows chi²(39), whose 5.7e-7 quantiles
    # (5 sigma, two-sided) are 9.42 and 100.1: s / sigma_n in [0.49, 1.60].
    # The excess kurtosis of a mean of 100 terms is at most 12 / 100, which
    # widens the spread of s² by under 6 %: the bounds [0.45, 1.7] hold. An
    # estimate that ignores n_samples, the seed, or returns the closed form
    # is far outside (s = 0 for the last two).
    params = draw(rng, 2, 100)
    seeds = rng.choice(2**31, size=40, replace=False)
    values = np.array([estimate(student, params, 100, int(seed), "n = 100") for seed in seeds])
    ratio = float(np.std(values, ddof=1)) / (log_ratio_std(*params) / np.sqrt(100))
    expect(
        0.45 <= ratio <= 1.7,
        f"la dispersion des estimations sur 40 graines ne correspond pas à n_samples = 100 tirages "
        f"indépendants (écart-type observé / attendu = {ratio:.2f})",
    )
