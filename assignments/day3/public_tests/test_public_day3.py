"""Public tests of Day 3: small examples worked out by hand, and properties.

They run on the student's own machine (``tpgrade check day3 tp_day3.ipynb``
or ``check("day3")`` in the notebook). They are fewer and simpler than the
graders used for the grade: passing them is necessary, not sufficient.
"""

import math

import numpy as np
import torch

from tpgrade.grader import Fail, PyFunction, expect, expect_array, expect_scalar, expect_tuple, question


def as_array(got, what, dtype=None):
    """The tensor ``got`` as a float64 NumPy array, after checking its type (and dtype)."""
    if not isinstance(got, torch.Tensor):
        raise Fail(f"{what} doit être un tenseur torch, pas un objet de type {type(got).__name__}")
    if dtype is not None and got.dtype != dtype:
        raise Fail(f"{what} a le type {got.dtype}, le type attendu est {dtype}")
    return got.detach().to(torch.float64).numpy()


ZERO_EPS_MODEL = PyFunction(
    "def eps_model(x, t):\n    import torch\n\n    return torch.zeros_like(x)\n", "eps_model"
)


@question("fit_gaussian", points=1)
def test_fit_gaussian_square(student):
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    mean, cov = expect_tuple(student.fit_gaussian(X), 2, what="le résultat (moyenne, covariance)")
    expect_array(mean, np.array([1.0, 1.0]), rtol=1e-9, atol=1e-12, what="la moyenne")
    # Divide by N = 4, not N - 1 = 3.
    expect_array(cov, np.eye(2), rtol=1e-9, atol=1e-12, what="la covariance")


@question("kl_gaussians", points=1)
def test_kl_gaussians_by_hand(student):
    # q = N(1, 1), p = N(0, 1) in one dimension: KL = 1/2.
    got = student.kl_gaussians(np.array([1.0]), np.array([0.0]), np.array([0.0]), np.array([0.0]))
    expect_scalar(got, 0.5, rtol=1e-9, atol=1e-12, what="KL(N(1, 1) ‖ N(0, 1))")
    # q = N(0, e), p = N(0, 1): KL = (e - 1 - 1) / 2.
    got = student.kl_gaussians(torch.zeros(2, 1), torch.ones(2, 1), torch.zeros(2, 1), torch.zeros(2, 1))
    expect_array(
        as_array(got, "la KL pour des tenseurs torch"),
        np.full(2, (math.e - 2.0) / 2.0),
        rtol=1e-6,
        atol=1e-7,
        what="KL(N(0, e) ‖ N(0, 1)) pour un lot de 2",
    )


@question("kl_monte_carlo", points=1)
def test_kl_monte_carlo_close_and_reproducible(student):
    args = (np.array([1.0]), np.array([0.0]), np.array([0.0]), np.array([0.0]))
    first = student.kl_monte_carlo(*args, 20000, 0)
    # The log-ratio is z - 1/2 with z ~ N(1, 1): standard deviation 1, so the
    # standard error is 1 / sqrt(20000) = 0.007; 5 of them are tolerated.
    expect_scalar(first, 0.5, rtol=0.0, atol=0.036, what="l'estimation de KL(N(1, 1) ‖ N(0, 1))")
    expect_scalar(
        student.kl_monte_carlo(*args, 20000, 0),
        float(first),
        rtol=0.0,
        atol=1e-12,
        what="une deuxième estimation avec la même graine",
    )


@question("reparameterize", points=1)
def test_reparameterize_by_hand(student):
    mu, logvar = torch.tensor([[1.0, 2.0]]), torch.tensor([[0.0, math.log(4.0)]])
    got = student.reparameterize(mu, logvar, torch.tensor([[1.0, 1.0]]))
    # sigma = exp(0.5 * logvar) = (1, 2).
    expect_array(as_array(got, "z"), np.array([[2.0, 4.0]]), rtol=1e-6, atol=1e-6, what="z")


@question("elbo", points=1)
def test_elbo_by_hand_and_large_logits(student):
    zeros = torch.zeros(1, 2)
    got = student.elbo(torch.tensor([[1.0, 0.0]]), zeros, zeros, zeros)
    # sigmoid(0) = 1/2 for both pixels, KL = 0: ELBO = 2 log(1/2).
    expect_array(
        as_array(got, "l'ELBO"),
        np.array([2.0 * math.log(0.5)]),
        rtol=1e-6,
        atol=1e-6,
        what="l'ELBO d'un exemple simple",
    )
    got = student.elbo(torch.tensor([[1.0, 0.0]]), torch.tensor([[100.0, -100.0]]), zeros, zeros)
    expect_array(
        as_array(got, "l'ELBO"),
        np.array([0.0]),
        rtol=0.0,
        atol=1e-6,
        what="l'ELBO avec des logits de ±100 (log(sigmoid) doit rester fini)",
    )


@question("VAE", points=1)
def test_vae_shapes(student):
    model = student.call("VAE", 10, 3, 16)
    out = expect_tuple(student.method(model, "forward", torch.rand(5, 10)), 3, what="forward(x)")
    for value, shape, name in zip(out, ((5, 10), (5, 3), (5, 3)), ("x_logits", "mu", "logvar"), strict=True):
        expect(as_array(value, name).shape == shape, f"{name} doit avoir la forme {shape}")


@question("linear_beta_schedule", points=1)
def test_linear_beta_schedule_endpoints(student):
    got = as_array(student.linear_beta_schedule(5, 0.1, 0.5), "le planning", dtype=torch.float64)
    expect_array(
        got,
        np.array([0.1, 0.2, 0.3, 0.4, 0.5]),
        rtol=1e-12,
        atol=1e-15,
        what="linear_beta_schedule(5, 0.1, 0.5)",
    )


@question("alpha_bar", points=1)
def test_alpha_bar_by_hand(student):
    got = student.alpha_bar(torch.tensor([0.1, 0.2, 0.5], dtype=torch.float64))
    expect_array(
        as_array(got, "alpha_bar"),
        np.array([0.9, 0.72, 0.36]),
        rtol=1e-12,
        atol=1e-15,
        what="alpha_bar([0.1, 0.2, 0.5])",
    )


@question("q_sample", points=1)
def test_q_sample_by_hand(student):
    alpha_bars = torch.tensor([0.25, 1.0], dtype=torch.float64)
    x0, noise = torch.full((2, 3), 2.0), torch.ones(2, 3)
    got = student.q_sample(x0, torch.tensor([0, 1]), noise, alpha_bars)
    # t = 0: 0.5 * 2 + sqrt(0.75) * 1; t = 1: x0 unchanged.
    expected = np.array([[1.0 + math.sqrt(0.75)] * 3, [2.0] * 3])
    expect_array(as_array(got, "x_t"), expected, rtol=1e-6, atol=1e-6, what="q_sample, un t par exemple")


@question("ddpm_loss", points=1)
def test_ddpm_loss_zero_model(student):
    # A model that always predicts 0: the loss is the mean of noise².
    noise = torch.tensor([[1.0, -2.0], [0.0, 3.0]])
    got = student.ddpm_loss(
        ZERO_EPS_MODEL,
        torch.ones(2, 2),
        torch.tensor([0, 1]),
        noise,
        torch.tensor([0.9, 0.5], dtype=torch.float64),
    )
    expect(isinstance(got, torch.Tensor) and got.numel() == 1, "la perte doit être un tenseur à une valeur")
    expect_scalar(float(got.reshape(())), 3.5, rtol=1e-6, atol=1e-6, what="la perte avec un modèle nul")


@question("p_sample_step", points=1)
def test_p_sample_step_by_hand(student):
    betas = torch.tensor([0.19, 0.36], dtype=torch.float64)
    alpha_bars = torch.cumprod(1.0 - betas, dim=0)
    x_t, z = torch.tensor([[0.9], [0.8]]), torch.tensor([[5.0], [1.0]])
    got = student.p_sample_step(ZERO_EPS_MODEL, x_t, torch.tensor([0, 1]), betas, alpha_bars, z)
    # t = 0: x / sqrt(1 - 0.19) = 1, no noise; t = 1: x / sqrt(1 - 0.36) + sqrt(0.36) * z = 1.6.
    expect_array(
        as_array(got, "x_(t-1)"),
        np.array([[1.0], [1.6]]),
        rtol=1e-6,
        atol=1e-6,
        what="un pas inverse avec un modèle nul",
    )


@question("ddpm_sample", points=1)
def test_ddpm_sample_shape_and_seed(student):
    betas = torch.linspace(1e-4, 0.1, 20, dtype=torch.float64)
    first = as_array(student.ddpm_sample(ZERO_EPS_MODEL, (6, 2), betas, 0), "les échantillons")
    again = as_array(student.ddpm_sample(ZERO_EPS_MODEL, (6, 2), betas, 0), "les échantillons")
    expect(first.shape == (6, 2), "les échantillons doivent avoir la forme demandée (6, 2)")
    expect(np.array_equal(first, again), "la même graine doit donner les mêmes échantillons")


@question("train_diffusion", points=1, timeout=60)
def test_train_diffusion_returns_a_noise_predictor(student):
    x0 = torch.randn(200, 2)
    model = student.train_diffusion(x0, torch.linspace(1e-4, 0.1, 50, dtype=torch.float64), 20, 0)
    out = student.method(model, "__call__", torch.randn(7, 2), torch.randint(0, 50, (7,)))
    expect(as_array(out, "model(x_t, t)").shape == (7, 2), "model(x_t, t) doit avoir la forme de x_t")
