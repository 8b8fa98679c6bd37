"""Hidden graders of ``elbo``: per-example Bernoulli log-likelihood minus KL to N(0, I).

Expected values come from the reference in float64 (the float32 inputs are
exact in float64). The ELBO of one example sums D + d_latent terms, each at
most |x l| + softplus(l) + the KL term in size; the scale S below is the
largest such sum over the examples. float32 arithmetic errs by a few ulps of
S (pairwise sums): atol = 1e-5 * S (about 80 ulps), rtol = 1e-5; float64:
1e-12 * S. A KL added instead of subtracted, a mean instead of a sum over the
features, the standard deviation in place of the variance in the KL are off by
1 % of the largest |ELBO| or more for the draws below (the KL is a few nats),
several hundred times atol.

Stability: logits of ±100 in float32. log(sigmoid(l)) computed naively gives
log(0) = -inf (or nan) for l = ±100, and clamping the probability (say to
[1e-7, 1 - 1e-7]) gives -16 where the exact term is -100: both fail. The
stable form x l - softplus(l) (or -binary_cross_entropy_with_logits) is exact.
"""

import numpy as np
import torch

from tpgrade.grader import question, reference, sibling

ref = reference("day3")
common = sibling(__file__, "common")


def draw(rng, n, d_in, d_latent, logit_scale=3.0):
    x = rng.uniform(0.0, 1.0, size=(n, d_in))
    x[:, : d_in // 3] = rng.integers(0, 2, size=(n, d_in // 3))  # some pixels exactly 0 or 1
    x_logits = rng.normal(scale=logit_scale, size=(n, d_in))
    mu = rng.normal(size=(n, d_latent))
    logvar = rng.uniform(-2.0, 1.0, size=(n, d_latent))
    return x, x_logits, mu, logvar


def scale(x, x_logits, mu, logvar):
    likelihood = np.abs(x * x_logits) + np.logaddexp(0.0, x_logits)
    kl = 0.5 * (mu**2 + np.exp(logvar) + 1.0 + np.abs(logvar))
    return float(np.max(likelihood.sum(1) + kl.sum(1)))


def check(student, arrays, dtype, what):
    tensors = [common.tensor(a, dtype) for a in arrays]
    expected = ref.elbo(*[common.f64(t) for t in tensors])
    size = scale(*[t.to(torch.float64).numpy() for t in tensors])
    rtol, atol = (1e-5, 1e-5 * size) if dtype == torch.float32 else (1e-12, 1e-12 * size)
    common.expect_tensor(
        student.elbo(*tensors),
        expected,
        rtol=rtol,
        atol=atol,
        dtype=dtype,
        what=f"l'ELBO par exemple ({what})",
    )


@question("elbo", points=0.75)
def test_batch(student, rng):
    check(student, draw(rng, 6, 20, 4), torch.float32, "6 exemples, 20 pixels, latent de dimension 4")
    check(student, draw(rng, 3, 7, 2), torch.float32, "3 exemples, 7 pixels, latent de dimension 2")


@question("elbo", points=0.5)
def test_single_example_and_float64(student, rng):
    check(student, draw(rng, 1, 12, 3), torch.float32, "un seul exemple, N = 1")
    check(student, draw(rng, 4, 9, 5), torch.float64, "tenseurs float64")


@question("elbo", points=0.75)
def test_logits_of_plus_or_minus_100(student, rng):
    x, _, mu, logvar = draw(rng, 5, 16, 3)
    x_logits = rng.choice([-100.0, 100.0], size=x.shape)
    check(student, (x, x_logits, mu, logvar), torch.float32, "logits de ±100")
    x, x_logits, mu, logvar = draw(rng, 4, 10, 2, logit_scale=40.0)
    check(student, (x, np.clip(x_logits, -100.0, 100.0), mu, logvar), torch.float32, "logits jusqu'à ±100")
