"""Hidden graders of ``ddpm_loss``: ``mean((noise - eps_model(q_sample(x0, t, noise), t))**2)``.

``eps_model`` is a small deterministic function of (x, t) sent as source
(``PyFunction``) and run next to the student's code; the judge runs its own
copy on the reference. It depends on t, so that the model must get the t of
each example, and is not the identity, so that feeding it x0 instead of x_t
changes the loss.

Tolerance: the loss is a mean of squares of O(1) values; in float32 each
square errs by a few ulps and so does their mean: rtol = 1e-5, atol = 1e-7
(float64: 1e-12). Wrong losses are off by 5 % or more (a model told t = 0: 6 %; a sum instead of the
mean multiplies it by N d >= 2). The gradient test backpropagates through a
linear eps_model whose weight requires gradients: the loss must be a tensor
that is part of the graph (no ``.item()``, no NumPy), and its gradient is
compared with autograd on the reference in float64 (rtol = 1e-9, atol = 1e-12
times the largest entry).
"""

import torch

from tpgrade.grader import PyFunction, expect, expect_tuple, question, reference, sibling

ref = reference("day3")
common = sibling(__file__, "common")

EPS_MODEL = PyFunction(
    """
def eps_model(x, t):
    import torch

    scale = (1.0 + t.to(x.dtype) / 50.0).reshape(-1, *([1] * (x.dim() - 1)))
    return torch.tanh(x) * scale - 0.3 * x
""",
    "eps_model",
)
judge_eps_model = common.judge_side(EPS_MODEL)

GRADIENT = PyFunction(
    '''
def ddpm_loss_gradient(x0, t, noise, alpha_bars, weight):
    """The loss and its gradient with respect to the weight of a linear eps_model."""
    import torch

    weight = weight.clone().requires_grad_(True)

    def eps_model(x, t):
        return x @ weight.T + (t.to(x.dtype) / 100.0).reshape(-1, 1)

    loss = submission["ddpm_loss"](eps_model, x0, t, noise, alpha_bars)
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        return "no graph"
    (grad,) = trusted.grad(loss, [weight], allow_unused=True)
    return loss.detach(), grad
''',
    "ddpm_loss_gradient",
)


def schedule(T=100, beta_end=0.1):
    return ref.alpha_bar(ref.linear_beta_schedule(T, 1e-4, beta_end))


def draw(rng, shape, T, dtype=torch.float32):
    x0, noise = common.tensor(rng.normal(size=shape), dtype), common.tensor(rng.normal(size=shape), dtype)
    return x0, torch.from_numpy(rng.integers(0, T, size=shape[0])).to(torch.int64), noise


def check(student, x0, t, noise, alpha_bars, what):
    expected = float(ref.ddpm_loss(judge_eps_model, common.f64(x0), t, common.f64(noise), alpha_bars))
    got = common.expect_tensor_scalar(
        student.ddpm_loss(EPS_MODEL, x0, t, noise, alpha_bars), what=f"la perte ({what})"
    )
    rtol, atol = (1e-5, 1e-7) if x0.dtype == torch.float32 else (1e-12, 1e-12)
    expect(
        abs(got - expected) <= atol + rtol * abs(expected),
        f"la perte ({what}) : valeur incorrecte (écart relatif {abs(got - expected) / abs(expected):.2e})",
    )


@question("ddpm_loss", points=0.75)
def test_points_in_the_plane(student, rng):
    check(student, *draw(rng, (16, 2), 100), schedule(), "16 points du plan")
    check(student, *draw(rng, (1, 2), 100), schedule(), "un seul point, N = 1")


@question("ddpm_loss", points=0.5)
def test_images_and_float64(student, rng):
    check(student, *draw(rng, (3, 1, 4, 4), 1000), schedule(1000, 0.02), "images (3, 1, 4, 4), T = 1000")
    check(student, *draw(rng, (5, 3), 100, torch.float64), schedule(), "tenseurs float64")


@question("ddpm_loss", points=0.75)
def test_gradient_reaches_the_model(student, rng):
    x0, t, noise = draw(rng, (8, 3), 100, torch.float64)
    alpha_bars = schedule()
    weight = common.tensor(rng.normal(scale=0.5, size=(3, 3)), torch.float64)
    out = student.run(GRADIENT, x0, t, noise, alpha_bars, weight)
    expect(
        out != "no graph",
        "la perte doit être un tenseur relié au graphe de calcul du modèle (pas de .item(), "
        "ni de NumPy), pour que loss.backward() entraîne le modèle",
    )
    _, grad = expect_tuple(out, 2, what="le résultat de la sonde de gradient")
    expect(grad is not None, "le gradient de la perte n'arrive pas jusqu'aux poids du modèle")
    reference_weight = weight.clone().requires_grad_(True)

    def eps_model(x, t):
        return x @ reference_weight.T + (t.to(x.dtype) / 100.0).reshape(-1, 1)

    ref.ddpm_loss(eps_model, x0, t, noise, alpha_bars).backward()
    expected = reference_weight.grad
    common.expect_tensor(
        grad,
        expected,
        rtol=1e-9,
        atol=1e-12 * float(expected.abs().max()),
        what="le gradient de la perte par rapport aux poids du modèle",
    )
