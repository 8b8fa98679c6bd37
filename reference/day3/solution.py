"""Reference solution of Day 3 — Probabilités et modélisation générative.

Gaussians (maximum-likelihood fit, KL divergence in closed form and by Monte
Carlo), the variational autoencoder (reparameterisation, ELBO, the module) and
the denoising diffusion model (DDPM: noise schedule, forward noising, loss,
reverse step, full sampling, training on a 2-D point cloud).

Array types follow the assignment: ``fit_gaussian`` and ``kl_monte_carlo`` take
and return NumPy (float64); ``kl_gaussians`` returns the kind it is given;
everything else works on torch tensors. Diagonal Gaussians are given by their
mean and their log-variance ``logvar = log(sigma**2)``.

Functions that build on others (the VAE on ``reparameterize``, the diffusion
loss on ``q_sample``, sampling on ``p_sample_step``, training on
``ddpm_loss``) bind them once, when they are defined: redefining one function
afterwards (as the graders' known-wrong variants do) changes that function
alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

EpsModel = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

# --- Gaussians -----------------------------------------------------------------


def fit_gaussian(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood mean ``(d,)`` and covariance ``(d, d)`` of the rows of ``X`` (divide by N)."""
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    centred = X - mean
    return mean, centred.T @ centred / X.shape[0]


def kl_gaussians(mu_q: Any, logvar_q: Any, mu_p: Any, logvar_p: Any) -> Any:
    """KL(q ‖ p) between diagonal Gaussians, summed over the last axis.

    Per dimension: ``0.5 * (logvar_p - logvar_q + (var_q + (mu_q - mu_p)**2) / var_p - 1)``.
    Works on NumPy arrays and on torch tensors, and returns the kind it gets.
    """
    xp: Any = torch if isinstance(mu_q, torch.Tensor) else np
    ratio = xp.exp(logvar_q - logvar_p)  # var_q / var_p without overflowing either
    gap = (mu_q - mu_p) ** 2 * xp.exp(-logvar_p)
    return 0.5 * (logvar_p - logvar_q + ratio + gap - 1.0).sum(-1)


def gaussian_log_density(z: np.ndarray, mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """Log-density of the diagonal Gaussian N(mu, exp(logvar)) at ``z``, summed over the last axis."""
    return -0.5 * (math.log(2.0 * math.pi) + logvar + (z - mu) ** 2 * np.exp(-logvar)).sum(-1)


def kl_monte_carlo(
    mu_q: np.ndarray,
    logvar_q: np.ndarray,
    mu_p: np.ndarray,
    logvar_p: np.ndarray,
    n_samples: int,
    seed: int,
) -> Any:
    """Monte Carlo estimate of KL(q ‖ p): the mean of ``log q(z) - log p(z)`` over draws ``z ~ q``.

    The ``n_samples`` draws use the reparameterisation ``z = mu_q + sigma_q * e``
    with ``e`` from ``numpy.random.default_rng(seed)``. Parameters of shape
    ``(d,)`` give a float; a batch ``(N, d)`` gives one estimate per row.
    """
    mu_q, logvar_q, mu_p, logvar_p = (
        np.asarray(a, dtype=np.float64) for a in (mu_q, logvar_q, mu_p, logvar_p)
    )
    rng = np.random.default_rng(seed)
    shape = np.broadcast_shapes(mu_q.shape, logvar_q.shape)
    z = mu_q + np.exp(0.5 * logvar_q) * rng.standard_normal((n_samples, *shape))
    log_ratio = gaussian_log_density(z, mu_q, logvar_q) - gaussian_log_density(z, mu_p, logvar_p)
    estimate = log_ratio.mean(axis=0)
    return float(estimate) if np.ndim(estimate) == 0 else estimate


# --- Variational autoencoder -------------------------------------------------------


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """``z = mu + sigma * eps`` with ``sigma = exp(0.5 * logvar)``: differentiable in ``mu`` and ``logvar``."""
    return mu + torch.exp(0.5 * logvar) * eps


def elbo(x: torch.Tensor, x_logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Per-example ELBO, shape ``(N,)``.

    Bernoulli log-likelihood ``x log s + (1 - x) log(1 - s)`` with ``s = sigmoid(l)``,
    written ``x l - softplus(l)`` so that logits of ±100 stay finite, summed
    over the features; minus KL(N(mu, exp(logvar)) ‖ N(0, I)) summed over the
    latent dimensions.
    """
    log_likelihood = (x * x_logits - F.softplus(x_logits)).flatten(1).sum(1)
    kl = 0.5 * (mu**2 + torch.exp(logvar) - 1.0 - logvar).flatten(1).sum(1)
    return log_likelihood - kl


class VAE(nn.Module):
    """Encoder ``x -> (mu, logvar)`` with one ReLU hidden layer, decoder ``z -> x_logits`` likewise."""

    # Bound at definition time (see the module docstring).
    _reparameterize = staticmethod(reparameterize)

    def __init__(self, d_in: int, d_latent: int, d_hidden: int) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(d_in, d_hidden), nn.ReLU())
        self.to_mu = nn.Linear(d_hidden, d_latent)
        self.to_logvar = nn.Linear(d_hidden, d_latent)
        self.decoder = nn.Sequential(nn.Linear(d_latent, d_hidden), nn.ReLU(), nn.Linear(d_hidden, d_in))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = self._reparameterize(mu, logvar, torch.randn_like(mu))
        return self.decode(z), mu, logvar


# --- Denoising diffusion (DDPM) ----------------------------------------------------


def linear_beta_schedule(T: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """``T`` values evenly spaced from ``beta_start`` to ``beta_end``, both included (float64)."""
    return torch.linspace(beta_start, beta_end, T, dtype=torch.float64)


def alpha_bar(betas: torch.Tensor) -> torch.Tensor:
    """``alpha_bar[t] = prod_{s <= t} (1 - beta_s)``."""
    return torch.cumprod(1.0 - betas, dim=0)


def _per_example(values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``values[t]`` in the dtype of ``like``, shaped ``(N, 1, ..., 1)`` to broadcast over its other axes."""
    return values[t].to(like.dtype).reshape(-1, *([1] * (like.dim() - 1)))


def q_sample(
    x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, alpha_bars: torch.Tensor
) -> torch.Tensor:
    """Forward noising ``x_t = sqrt(ab[t]) x0 + sqrt(1 - ab[t]) noise``, one ``t`` per example."""
    ab = _per_example(alpha_bars, t, x0)
    return torch.sqrt(ab) * x0 + torch.sqrt(1.0 - ab) * noise


_LOSS_BLOCKS = (q_sample,)


def ddpm_loss(
    eps_model: EpsModel,
    x0: torch.Tensor,
    t: torch.Tensor,
    noise: torch.Tensor,
    alpha_bars: torch.Tensor,
) -> torch.Tensor:
    """Mean squared error between ``noise`` and ``eps_model(x_t, t)``, a 0-d differentiable tensor."""
    (noising,) = _LOSS_BLOCKS
    x_t = noising(x0, t, noise, alpha_bars)
    return ((noise - eps_model(x_t, t)) ** 2).mean()


def p_sample_step(
    eps_model: EpsModel,
    x_t: torch.Tensor,
    t: torch.Tensor,
    betas: torch.Tensor,
    alpha_bars: torch.Tensor,
    z: torch.Tensor,
) -> torch.Tensor:
    """One reverse step with ``sigma_t**2 = beta_t``; no noise is added where ``t == 0``.

    ``x_{t-1} = (x_t - beta_t / sqrt(1 - ab_t) * eps) / sqrt(1 - beta_t) + sigma_t * z``.
    """
    beta = _per_example(betas, t, x_t)
    ab = _per_example(alpha_bars, t, x_t)
    eps = eps_model(x_t, t)
    mean = (x_t - beta / torch.sqrt(1.0 - ab) * eps) / torch.sqrt(1.0 - beta)
    noisy = (t > 0).to(x_t.dtype).reshape(beta.shape)
    return mean + noisy * torch.sqrt(beta) * z


_SAMPLING_BLOCKS = (alpha_bar, p_sample_step)


@torch.no_grad()
def ddpm_sample(eps_model: EpsModel, shape: Sequence[int], betas: torch.Tensor, seed: int) -> torch.Tensor:
    """Generate a batch of ``shape`` (float32): ``x_T ~ N(0, I)``, then ``p_sample_step`` for t = T-1, ..., 0.

    Every draw (``x_T`` and each ``z``) comes from ``torch.Generator().manual_seed(seed)``.
    """
    make_alpha_bars, step = _SAMPLING_BLOCKS
    shape = tuple(int(size) for size in shape)
    generator = torch.Generator().manual_seed(int(seed))
    alpha_bars = make_alpha_bars(betas)
    x = torch.randn(shape, generator=generator)
    for t in range(len(betas) - 1, -1, -1):
        t_batch = torch.full((shape[0],), t, dtype=torch.long)
        z = torch.randn(shape, generator=generator)
        x = step(eps_model, x, t_batch, betas, alpha_bars, z)
    return x


class DiffusionMLP(nn.Module):
    """Noise predictor for vectors: ``[x, t / T]`` through three ReLU hidden layers."""

    def __init__(self, d: int, T: int, d_hidden: int = 64) -> None:
        super().__init__()
        self.T = T
        self.net = nn.Sequential(
            nn.Linear(d + 1, d_hidden),
            nn.ReLU(),
            nn.Linear(d_hidden, d_hidden),
            nn.ReLU(),
            nn.Linear(d_hidden, d_hidden),
            nn.ReLU(),
            nn.Linear(d_hidden, d),
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        x = x.to(
            self.net[0].weight.dtype
        )  # a q_sample returning float64 (float32 x0, float64 schedule) is fine
        time = (t.to(x.dtype) / self.T).reshape(-1, 1)
        return self.net(torch.cat([x, time], dim=1))


_TRAINING_BLOCKS = (alpha_bar, ddpm_loss)


def train_diffusion(
    x0: torch.Tensor,
    betas: torch.Tensor,
    n_iters: int,
    seed: int,
    d_hidden: int = 64,
    batch_size: int = 128,
    lr: float = 1e-2,
) -> nn.Module:
    """Train a :class:`DiffusionMLP` on the rows of ``x0`` (shape ``(N, d)``) with ``ddpm_loss``.

    Each of the ``n_iters`` iterations draws a mini-batch, one ``t`` per
    example uniformly in ``{0, ..., T-1}`` and fresh Gaussian noise; one Adam
    step on ``ddpm_loss``. Everything random comes from ``seed``.
    Returns the trained model, called as ``model(x_t, t)``.
    """
    make_alpha_bars, loss_fn = _TRAINING_BLOCKS
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    x0 = torch.as_tensor(x0, dtype=torch.float32)
    T = len(betas)
    alpha_bars = make_alpha_bars(betas)
    model = DiffusionMLP(x0.shape[1], T, d_hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(n_iters):
        rows = torch.randint(0, x0.shape[0], (batch_size,), generator=generator)
        t = torch.randint(0, T, (batch_size,), generator=generator)
        noise = torch.randn((batch_size, x0.shape[1]), generator=generator)
        loss = loss_fn(model, x0[rows], t, noise, alpha_bars)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    return model
