"""Day 3 course material: the graders against the reference, the stub, known-wrong
and independent correct solutions; the statistics of the stochastic graders;
independent oracles for the reference.

Everything is graded in this process (``grade_source_in_process``): the
sources graded here are the course's own, trusted.
"""

from __future__ import annotations

import gc
import math
import shutil
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from tpgrade import paths
from tpgrade.course.check import check_namespace
from tpgrade.grader import Fail, load_module, reference
from tpgrade.judge.local import LocalStudent, grade_source_in_process
from tpgrade.judge.sourcecheck import SubmissionSource
from tpgrade.judge.student import Student
from tpgrade.judge.submission import read_program
from tpgrade.models import QuestionResult

# Grades real submissions and trains models: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow

DAY = "day3"
GRADERS = paths.graders_dir(DAY)
FIXTURES = Path(__file__).parent / "fixtures" / DAY
QUESTIONS = {
    "fit_gaussian",
    "kl_gaussians",
    "kl_monte_carlo",
    "reparameterize",
    "elbo",
    "VAE",
    "linear_beta_schedule",
    "alpha_bar",
    "q_sample",
    "ddpm_loss",
    "p_sample_step",
    "ddpm_sample",
    "train_diffusion",
}
# Graders that train a model (0.2–0.5 s each): see cheap_graders.
TRAINING = {"VAE": "test_VAE.py", "train_diffusion": "test_train_diffusion.py"}
SEEDS = range(50)

ref = reference(DAY)


@pytest.fixture(scope="module", autouse=True)
def one_thread_and_frozen_heap() -> Iterator[None]:
    """One torch thread, as in the sandbox (small tensors: threads only contend).

    ``gc.freeze``: pytest's unraisable-exception plugin runs ``gc.collect`` five
    times at the end of every grading session, 0.15 s each over a heap that
    holds torch; the objects alive now (torch, the reference) are never garbage,
    so the collector may skip them.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def reference_source() -> str:
    return paths.reference_file(DAY).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cheap_graders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The graders without the two that train a model.

    A known-wrong variant of another question cannot change what the training
    graders see: the reference binds the functions its VAE, its sampler and its
    training loop use when they are defined, so an override appended after
    them changes that function alone. The subtly wrong variants are graded on
    these; every mutant is graded once, on the full set, by ``tpgrade validate``
    (``tests/test_validate.py``).
    """
    folder = tmp_path_factory.mktemp("day3-cheap-graders")
    for path in GRADERS.glob("*.py"):
        if path.name not in TRAINING.values():
            shutil.copy(path, folder / path.name)
    return folder


def with_override(reference_source: str, path: Path) -> str:
    return reference_source + "\n\n" + path.read_text(encoding="utf-8")


def short(results: dict[str, QuestionResult]) -> list[str]:
    return [
        f"{q.name} {q.score:g}/{q.max_score:g} {q.message}" for q in results.values() if q.score < q.max_score
    ]


def assert_loses_only(results: dict[str, QuestionResult], target: str) -> None:
    assert target in results
    assert results[target].score < results[target].max_score, f"{target} not caught"
    others = [line for line in short(results) if not line.startswith(f"{target} ")]
    assert others == []


# --- Whole solutions ---------------------------------------------------------------


def test_reference_gets_full_marks(reference_source: str) -> None:
    results = grade_source_in_process(GRADERS, reference_source, seed=0)
    assert set(results) == QUESTIONS
    assert short(results) == []
    assert all(1 <= q.max_score <= 3 for q in results.values())


def test_stub_scores_zero_as_not_implemented() -> None:
    _, program = read_program(paths.stub_notebook(DAY))
    source = "\n\n".join(cell.source for cell in program.cells if cell.index not in program.skipped_cells)
    results = grade_source_in_process(GRADERS, source, seed=0)
    assert set(results) == QUESTIONS
    assert {name: (q.score, q.status) for name, q in results.items()} == {
        name: (0.0, "not_implemented") for name in QUESTIONS
    }


def test_a_q_sample_returning_float64_costs_nothing_anywhere(reference_source: str) -> None:
    """float32 x0 times the float64 schedule is float64: q_sample accepts it, and the network the
    notebook gives converts it, so train_diffusion does not fail with a dtype error."""
    natural = (FIXTURES / "float64_q_sample.py").read_text(encoding="utf-8")
    results = grade_source_in_process(GRADERS, reference_source + "\n\n" + natural, seed=0)
    assert short(results) == []


@pytest.mark.parametrize("name", ["alt_correct.py", "alt_correct_2.py"])
def test_independent_correct_solutions_get_full_marks(name: str) -> None:
    source = (FIXTURES / name).read_text(encoding="utf-8")
    assert short(grade_source_in_process(GRADERS, source, seed=1)) == []


@pytest.mark.parametrize("name", ["reference", "alt_correct.py", "alt_correct_2.py"])
def test_public_tests_pass_on_correct_solutions(name: str, reference_source: str) -> None:
    source = reference_source if name == "reference" else (FIXTURES / name).read_text(encoding="utf-8")
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(source, name, "exec"), namespace)
    results = check_namespace(DAY, namespace)
    assert set(results) == QUESTIONS
    assert [q.name for q in results.values() if q.status != "passed"] == []


# --- Known-wrong variants --------------------------------------------------------------

MUTANTS = sorted(paths.mutants_dir(DAY).glob("*.py"))
SUBTLY_WRONG = sorted((FIXTURES / "subtly_wrong").glob("*.py"))


def grade_variant(
    path: Path, reference_source: str, cheap_graders: Path
) -> tuple[str, dict[str, QuestionResult]]:
    target = path.stem.split("__")[0]
    graders = GRADERS if target in TRAINING else cheap_graders
    return target, grade_source_in_process(graders, with_override(reference_source, path), seed=0)


def test_every_question_has_three_mutants() -> None:
    counts = {name: sum(p.stem.split("__")[0] == name for p in MUTANTS) for name in QUESTIONS}
    assert min(counts.values()) >= 3, counts
    assert {p.stem.split("__")[0] for p in MUTANTS} <= QUESTIONS


@pytest.mark.parametrize("path", SUBTLY_WRONG, ids=[p.stem for p in SUBTLY_WRONG])
def test_subtly_wrong_loses_its_question_only(path: Path, reference_source: str, cheap_graders: Path) -> None:
    target, results = grade_variant(path, reference_source, cheap_graders)
    assert_loses_only(results, target)


def test_the_classic_bugs_of_the_course_are_among_the_variants() -> None:
    stems = {p.stem for p in MUTANTS + SUBTLY_WRONG}
    for classic in (
        "reparameterize__exp_logvar",  # exp(logvar) instead of exp(0.5 * logvar)
        "kl_gaussians__sign_flipped",  # KL with the sign flipped
        "kl_monte_carlo__sign_flipped",
        "p_sample_step__noise_at_t0",  # noise added at t == 0
        "q_sample__index_t_minus_1",  # wrong alpha_bar indexing (t vs t - 1)
        "p_sample_step__index_t_minus_1",
        "alpha_bar__cumsum",  # cumsum instead of cumprod
    ):
        assert classic in stems


# --- Stochastic graders over 50 seeds ---------------------------------------------------


def student_for(source: str) -> Student:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(source, "<submission>", "exec"), namespace)
    return Student(LocalStudent(namespace, SubmissionSource((source,))), timeout=60)


def full_marks_per_seed(student: Student, grader: str, tests: tuple[str, ...], seeds: range) -> list[bool]:
    """For each seed, whether every test in ``tests`` of the grader file passes.

    The tests are called directly, with the judge's seeding of ``rng`` (the
    seed and a hash of the test's name).
    """
    module = load_module(GRADERS / grader, f"tpgrade_day3_seeds_{Path(grader).stem}")
    outcomes = []
    for seed in seeds:
        passed = True
        for name in tests:
            rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
            try:
                getattr(module, name)(student, rng)
            except Fail:
                passed = False
        outcomes.append(passed)
    return outcomes


# (question, grader file, tests run on the reference, mutant, tests run on the mutant).
# The tests whose outcome depends on the draws; the seed checks of
# kl_monte_carlo stay in (they compare estimates), those of ddpm_sample compare
# a sample with itself and pass or fail whatever the seed.
# The two training graders are the expensive ones (0.15 s and 0.35 s of CPU a
# seed): they run their 50 seeds on their training test only, which holds the
# threshold; for train_diffusion the 50 mutant seeds use its cheapest mutant
# (3 training steps), and the mutant closest to the threshold gets 3 seeds.
STOCHASTIC = [
    (
        "kl_monte_carlo",
        "test_kl_monte_carlo.py",
        ("test_close_to_closed_form", "test_seed_decides_the_draws", "test_spread_matches_n_samples"),
        "kl_monte_carlo__std_is_exp_logvar",
        ("test_close_to_closed_form", "test_spread_matches_n_samples"),
    ),
    (
        "ddpm_sample",
        "test_ddpm_sample.py",
        ("test_gaussian_data_in_the_plane", "test_images"),
        "ddpm_sample__same_noise_every_step",
        ("test_gaussian_data_in_the_plane",),
    ),
    (
        "VAE",
        "test_VAE.py",
        ("test_learns_a_latent_structure",),
        "VAE__z_detached",
        ("test_learns_a_latent_structure",),
    ),
    (
        "train_diffusion",
        "test_train_diffusion.py",
        ("test_generates_the_spiral",),
        "train_diffusion__n_iters_counted_in_examples",
        ("test_generates_the_spiral",),
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "grader", "tests", "mutant", "mutant_tests"),
    STOCHASTIC,
    ids=[case[0] for case in STOCHASTIC],
)
def test_stochastic_grader_over_50_seeds(
    question: str,
    grader: str,
    tests: tuple[str, ...],
    mutant: str,
    mutant_tests: tuple[str, ...],
    reference_source: str,
) -> None:
    assert all(full_marks_per_seed(student_for(reference_source), grader, tests, SEEDS)), "reference failed"
    wrong = student_for(with_override(reference_source, paths.mutants_dir(DAY) / f"{mutant}.py"))
    assert not any(full_marks_per_seed(wrong, grader, mutant_tests, SEEDS)), "mutant passed"


def test_spiral_grader_rejects_the_closest_mutant() -> None:
    # The noise regressed on x0 + noise: mean distance 0.36–0.47, bound 0.28.
    source = with_override(
        paths.reference_file(DAY).read_text(encoding="utf-8"),
        paths.mutants_dir(DAY) / "train_diffusion__noise_added_unscaled.py",
    )
    assert not any(
        full_marks_per_seed(
            student_for(source), "test_train_diffusion.py", ("test_generates_the_spiral",), range(3)
        )
    )


# --- Independent oracles for the reference ----------------------------------------------------


def draw_gaussians(rng: np.random.Generator, shape: tuple[int, ...]) -> list[np.ndarray]:
    return [
        rng.normal(size=shape),
        rng.uniform(-2, 2, shape),
        rng.normal(size=shape),
        rng.uniform(-2, 2, shape),
    ]


def test_kl_gaussians_matches_torch_distributions() -> None:
    # torch.distributions.Normal takes the standard deviation (scale), the
    # contract the log-variance: scale = exp(0.5 * logvar). kl_divergence is per
    # coordinate; the contract sums over the last axis.
    rng = np.random.default_rng(3)
    mu_q, logvar_q, mu_p, logvar_p = (torch.from_numpy(a) for a in draw_gaussians(rng, (7, 5)))
    q = torch.distributions.Normal(mu_q, torch.exp(0.5 * logvar_q))
    p = torch.distributions.Normal(mu_p, torch.exp(0.5 * logvar_p))
    expected = torch.distributions.kl_divergence(q, p).sum(-1)
    got = ref.kl_gaussians(mu_q, logvar_q, mu_p, logvar_p)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    as_numpy = ref.kl_gaussians(mu_q.numpy(), logvar_q.numpy(), mu_p.numpy(), logvar_p.numpy())
    assert isinstance(as_numpy, np.ndarray)
    np.testing.assert_allclose(as_numpy, expected.numpy(), rtol=1e-12, atol=1e-12)
    # The multivariate form: a diagonal MultivariateNormal gives the same sum.
    mvn_q = torch.distributions.MultivariateNormal(mu_q, torch.diag_embed(torch.exp(logvar_q)))
    mvn_p = torch.distributions.MultivariateNormal(mu_p, torch.diag_embed(torch.exp(logvar_p)))
    torch.testing.assert_close(got, torch.distributions.kl_divergence(mvn_q, mvn_p), rtol=1e-10, atol=1e-10)


def test_kl_monte_carlo_uses_the_densities_of_torch_distributions() -> None:
    # The same draws z = mu_q + sigma_q e, e from default_rng(seed), scored by torch's log_prob.
    rng = np.random.default_rng(4)
    mu_q, logvar_q, mu_p, logvar_p = draw_gaussians(rng, (4,))
    e = np.random.default_rng(11).standard_normal((5000, 4))
    z = torch.from_numpy(mu_q + np.exp(0.5 * logvar_q) * e)

    def log_prob(mu: np.ndarray, logvar: np.ndarray) -> torch.Tensor:
        normal = torch.distributions.Normal(torch.from_numpy(mu), torch.from_numpy(np.exp(0.5 * logvar)))
        scores: torch.Tensor = normal.log_prob(z)  # type: ignore[no-untyped-call]
        return scores.sum(-1)

    expected = float((log_prob(mu_q, logvar_q) - log_prob(mu_p, logvar_p)).mean())
    got = ref.kl_monte_carlo(mu_q, logvar_q, mu_p, logvar_p, 5000, 11)
    assert isinstance(got, float)
    assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12)


def test_kl_monte_carlo_variance_formula_of_the_grader() -> None:
    # The grader's exact standard deviation of the log-ratio against the spread of 200000 draws.
    grader = load_module(GRADERS / "test_kl_monte_carlo.py", "tpgrade_day3_oracle_kl_mc")
    rng = np.random.default_rng(5)
    params = draw_gaussians(rng, (3,))
    mu_q, logvar_q, mu_p, logvar_p = params
    z = mu_q + np.exp(0.5 * logvar_q) * rng.standard_normal((200_000, 3))
    ratio = ref.gaussian_log_density(z, mu_q, logvar_q) - ref.gaussian_log_density(z, mu_p, logvar_p)
    # The standard deviation of a sample standard deviation is about sigma / sqrt(2 n) = 0.16 %.
    assert math.isclose(float(ratio.std()), grader.log_ratio_std(*params), rel_tol=0.01)
    assert math.isclose(
        float(ratio.mean()),
        float(ref.kl_gaussians(*params)),
        abs_tol=5 * float(ratio.std()) / math.sqrt(200_000),
    )


def test_fit_gaussian_matches_numpy_and_scikit_learn() -> None:
    # np.cov divides by N - 1 unless bias=True; EmpiricalCovariance is the
    # maximum-likelihood estimate (divides by N), as the contract asks.
    covariance = pytest.importorskip("sklearn.covariance")
    X = np.random.default_rng(6).normal(size=(30, 4)) @ np.diag([1.0, 2.0, 0.5, 3.0]) + 4.0
    mean, cov = ref.fit_gaussian(X)
    np.testing.assert_allclose(cov, np.cov(X, rowvar=False, bias=True), rtol=1e-12, atol=1e-12)
    estimator = covariance.EmpiricalCovariance(assume_centered=False).fit(X)
    np.testing.assert_allclose(mean, estimator.location_, rtol=1e-12)
    np.testing.assert_allclose(cov, estimator.covariance_, rtol=1e-10, atol=1e-12)


def test_elbo_matches_torch_distributions() -> None:
    # Bernoulli(logits=...).log_prob(x) = x l - softplus(l) also for x in [0, 1]
    # once its support check is off (validate_args=False); the contract takes
    # pixels in [0, 1]. The KL to N(0, I) from kl_divergence, per coordinate.
    rng = np.random.default_rng(7)
    x = torch.from_numpy(rng.uniform(0, 1, (5, 12)))
    x[:, :4] = torch.from_numpy(rng.integers(0, 2, (5, 4)).astype(float))
    x_logits = torch.from_numpy(rng.choice([-100.0, 100.0], (5, 12)) * rng.uniform(0.01, 1.0, (5, 12)))
    mu, logvar = torch.from_numpy(rng.normal(size=(5, 3))), torch.from_numpy(rng.uniform(-2, 1, (5, 3)))
    likelihood = torch.distributions.Bernoulli(logits=x_logits, validate_args=False).log_prob(x).sum(-1)  # type: ignore[no-untyped-call]
    prior = torch.distributions.Normal(
        torch.zeros(5, 3, dtype=torch.float64), torch.ones(5, 3, dtype=torch.float64)
    )
    kl = torch.distributions.kl_divergence(
        torch.distributions.Normal(mu, torch.exp(0.5 * logvar)), prior
    ).sum(-1)
    torch.testing.assert_close(ref.elbo(x, x_logits, mu, logvar), likelihood - kl, rtol=1e-10, atol=1e-10)


def test_reparameterize_matches_the_normal_quantile_transform() -> None:
    # mu + sigma eps is the quantile of N(mu, sigma²) at the level Phi(eps).
    rng = np.random.default_rng(8)
    mu, logvar = torch.from_numpy(rng.normal(size=(6, 3))), torch.from_numpy(rng.uniform(-3, 3, (6, 3)))
    eps = torch.from_numpy(rng.uniform(-2.5, 2.5, (6, 3)))
    level = torch.distributions.Normal(0.0, 1.0).cdf(eps)  # type: ignore[no-untyped-call]
    expected = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).icdf(level)  # type: ignore[no-untyped-call]
    torch.testing.assert_close(ref.reparameterize(mu, logvar, eps), expected, rtol=1e-9, atol=1e-9)


def test_schedule_and_alpha_bar_match_step_by_step_noising() -> None:
    # Composing T single steps x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) e
    # gives x_0-coefficient sqrt(alpha_bar_t) and noise variance 1 - alpha_bar_t.
    betas = ref.linear_beta_schedule(300, 1e-4, 0.05)
    np.testing.assert_allclose(betas.numpy(), np.linspace(1e-4, 0.05, 300), rtol=1e-13)
    coefficient, variance = 1.0, 0.0
    expected_coefficient, expected_variance = [], []
    for beta in betas.tolist():
        coefficient, variance = coefficient * math.sqrt(1 - beta), (1 - beta) * variance + beta
        expected_coefficient.append(coefficient)
        expected_variance.append(variance)
    alpha_bars = ref.alpha_bar(betas).numpy()
    np.testing.assert_allclose(np.sqrt(alpha_bars), expected_coefficient, rtol=1e-12)
    np.testing.assert_allclose(1 - alpha_bars, expected_variance, rtol=1e-12)


def test_p_sample_step_mean_is_the_ddpm_posterior_mean() -> None:
    # Ho et al. (2020), eq. 7: the mean of q(x_{t-1} | x_t, x0) with x0 estimated
    # from the predicted noise, an arrangement independent of the reference's.
    betas = ref.linear_beta_schedule(100, 1e-4, 0.1)
    alpha_bars = ref.alpha_bar(betas)
    rng = np.random.default_rng(9)
    x_t = torch.from_numpy(rng.normal(size=(6, 2)))
    t = torch.tensor([0, 1, 5, 40, 98, 99])

    def eps_model(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return torch.sin(x) + t.to(x.dtype)[:, None] / 100

    got = ref.p_sample_step(eps_model, x_t, t, betas, alpha_bars, torch.zeros_like(x_t))
    ab, beta = alpha_bars[t][:, None], betas[t][:, None]
    ab_prev = torch.where(t > 0, alpha_bars[(t - 1).clamp(min=0)], torch.ones(6, dtype=torch.float64))[
        :, None
    ]
    x0_hat = (x_t - torch.sqrt(1 - ab) * eps_model(x_t, t)) / torch.sqrt(ab)
    expected = (torch.sqrt(ab_prev) * beta / (1 - ab)) * x0_hat + (
        torch.sqrt(1 - beta) * (1 - ab_prev) / (1 - ab)
    ) * x_t
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)


def test_exact_output_distribution_of_the_sampling_grader() -> None:
    # The grader's recursion for the law of x_0 against 200000 samples of the reference sampler.
    grader = load_module(GRADERS / "test_ddpm_sample.py", "tpgrade_day3_oracle_sample")
    eps_model = grader.common.judge_side(grader.gaussian_eps_model(0.7, 0.2, 100, 1e-4, 0.1))
    betas = ref.linear_beta_schedule(100, 1e-4, 0.1)
    values = ref.ddpm_sample(eps_model, (200_000, 1), betas, 12).to(torch.float64).numpy()[:, 0]
    mu, v = grader.exact_output(0.7, 0.2, betas)
    n = len(values)
    assert abs(values.mean() - mu) <= 5 * math.sqrt(v / n)
    assert abs(values.var() / v - 1) <= 5 * math.sqrt(2 / n)
