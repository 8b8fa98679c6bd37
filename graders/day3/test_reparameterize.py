"""Hidden graders of ``reparameterize``: ``mu + exp(0.5 * logvar) * eps``, differentiable.

Values: float32 inputs, expected values from the reference in float64. The
result is |mu| + |sigma eps| in size at most; float32 arithmetic (an exp, a
product, a sum) errs by a few ulps of that: atol = 1e-6 times the largest
|mu| + |sigma eps| (8 ulps) plus rtol = 1e-5. In float64 the same with 1e-12.
Using exp(logvar) as the standard deviation is off by a factor exp(logvar / 2),
at least 40 % for the log-variances drawn (|logvar| >= 0.7 in one dimension).

Gradients: a probe, run next to the student's code, calls their function on
tensors that require gradients and backpropagates sum(w * z); the exact
gradients are w for mu and w * 0.5 * exp(0.5 * logvar) * eps for logvar
(tolerances as for the values). A result cut off from the graph (detach,
a NumPy round trip, torch.no_grad) has no gradient at all.
"""

import numpy as np
import torch

from tpgrade.grader import PyFunction, expect, expect_tuple, question, reference, sibling

ref = reference("day3")
common = sibling(__file__, "common")

GRADIENTS = PyFunction(
    '''
def reparameterize_gradients(mu, logvar, eps, w):
    """z and the gradients of sum(w * z) with respect to mu and logvar."""
    import torch

    mu = mu.clone().requires_grad_(True)
    logvar = logvar.clone().requires_grad_(True)
    z = submission["reparameterize"](mu, logvar, eps)
    if not isinstance(z, torch.Tensor) or not z.requires_grad:
        return "no graph"
    grad_mu, grad_logvar = trusted.grad((w * z).sum(), [mu, logvar], allow_unused=True)
    return z.detach(), grad_mu, grad_logvar
''',
    "reparameterize_gradients",
)


def draw(rng, shape):
    mu = rng.normal(scale=2.0, size=shape)
    logvar = rng.uniform(-3.0, 3.0, size=shape)
    logvar.flat[0] = rng.choice([-1.0, 1.0]) * rng.uniform(0.7, 3.0)
    return mu, logvar, rng.normal(size=shape)


def tolerance(mu, logvar, eps, dtype):
    size = float(np.max(np.abs(mu) + np.exp(0.5 * logvar) * np.abs(eps)))
    return (1e-5, 1e-6 * size) if dtype == torch.float32 else (1e-12, 1e-12 * size)


def check_values(student, arrays, dtype, what):
    mu, logvar, eps = (common.tensor(a, dtype) for a in arrays)
    expected = ref.reparameterize(common.f64(mu), common.f64(logvar), common.f64(eps))
    rtol, atol = tolerance(*(t.to(torch.float64).numpy() for t in (mu, logvar, eps)), dtype)
    common.expect_tensor(
        student.reparameterize(mu, logvar, eps),
        expected,
        rtol=rtol,
        atol=atol,
        dtype=dtype,
        what=f"z ({what})",
    )


@question("reparameterize", points=0.5)
def test_values_float32(student, rng):
    check_values(student, draw(rng, (6, 3)), torch.float32, "lot de 6 vecteurs de dimension 3")
    check_values(student, draw(rng, (1, 5)), torch.float32, "N = 1")


@question("reparameterize", points=0.5)
def test_values_float64_and_shapes(student, rng):
    check_values(student, draw(rng, (4, 2)), torch.float64, "tenseurs float64")
    check_values(student, draw(rng, (3, 2, 4)), torch.float32, "tenseurs à trois axes")


@question("reparameterize", points=1.0)
def test_gradients_flow_to_mu_and_logvar(student, rng):
    mu, logvar, eps = (common.tensor(a, torch.float64) for a in draw(rng, (5, 4)))
    w = common.tensor(rng.normal(size=(5, 4)), torch.float64)
    out = student.run(GRADIENTS, mu, logvar, eps, w)
    expect(
        out != "no graph",
        "z ne dépend pas de mu et logvar de façon dérivable (pas de graphe de calcul) : "
        "n'utilisez ni detach, ni NumPy, ni torch.no_grad dans reparameterize",
    )
    _, grad_mu, grad_logvar = expect_tuple(out, 3, what="le résultat de la sonde de gradients")
    expect(grad_mu is not None, "le gradient par rapport à mu n'arrive pas jusqu'à mu")
    expect(grad_logvar is not None, "le gradient par rapport à logvar n'arrive pas jusqu'à logvar")
    rtol, atol = tolerance(mu.numpy(), logvar.numpy(), eps.numpy(), torch.float64)
    common.expect_tensor(grad_mu, w, rtol=rtol, atol=1e-12, what="le gradient de sum(w * z) par rapport à mu")
    expected = w * 0.5 * torch.exp(0.5 * logvar) * eps
    common.expect_tensor(
        grad_logvar,
        expected,
        rtol=rtol,
        atol=atol * float(w.abs().max()),
        what="le gradient de sum(w * z) par rapport à logvar",
    )
