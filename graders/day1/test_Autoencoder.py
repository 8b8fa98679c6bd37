"""Hidden graders of ``Autoencoder``: ``encode``, ``decode`` and ``forward = decode ∘ encode``.

The architecture is the student's choice; the graders check the shapes of
``encode`` and ``decode`` (varied sizes, one example), that ``forward`` is
``decode(encode(x))``, that gradients flow (through ``encode`` to the
parameters, through ``decode`` to ``z``), and that the module can learn: a judge-written probe
builds it (seeded), trains it with Adam on data that lie on a 2-D surface and
returns its reconstructions, whose error the judge measures. The probes never
ask the model about itself: the parameters trained are the tensors it holds
(read from its instance dictionaries) and the gradients are autograd's
(:data:`tpgrade.runner.guards.TRUSTED`), so an overridden ``parameters()``
changes nothing.

Tolerance of ``forward`` against ``decode(encode(x))``: the same float32
operations in the same module, so the results agree to the last bit in
practice; atol = 1e-5 times the scale (100 float32 ulps) allows a different
but equivalent arrangement.

Learning threshold: data ``sigmoid(A z + c)`` with ``z`` in R², 128 points
in dimension 8, 200 full-batch Adam steps (lr 0.02, 32 hidden units, ~0.1 s
of CPU). Fraction of the variance left unexplained (MSE / total variance),
measured over 100 seeds: at most 0.010 with the reference (sigmoid output),
0.016 with a deeper one, 0.028 without the final sigmoid, 0.045 with tanh
activations, 0.051 with linear encoder and decoder. A decoder that ignores its
latent cannot go below 1 (the best constant is the mean). The threshold 0.3
sits 6 times above the worst correct measurement and 3 times below a decoder
that ignores z.
"""

import numpy as np
import torch

from tpgrade.grader import PyFunction, expect, expect_array, expect_tuple, question

MAX_UNEXPLAINED = 0.3

TRAIN_AUTOENCODER = PyFunction(
    "def train_autoencoder(X, d_latent, d_hidden, steps, lr, seed):\n"
    "    import torch\n"
    "    torch.manual_seed(seed)\n"
    "    model = submission['Autoencoder'](X.shape[1], d_latent, d_hidden)\n"
    "    model.train()\n"
    "    params = trusted.parameters(model)\n"
    "    if not params:\n"
    "        raise ValueError('Autoencoder n\\'a aucun paramètre entraînable')\n"
    "    optimizer = torch.optim.Adam(params, lr=lr)\n"
    "    for _ in range(steps):\n"
    "        optimizer.zero_grad()\n"
    "        loss = ((model(X) - X) ** 2).mean()\n"
    "        loss.backward()\n"
    "        optimizer.step()\n"
    "    with torch.no_grad():\n"
    "        return model(X)\n",
    "train_autoencoder",
)


GRADIENTS = PyFunction(
    "def gradients(model, x, z):\n"
    "    code = model.encode(x)\n"
    "    leaves = [leaf for leaf in trusted.graph_leaves(code) if leaf is not code]\n"
    "    found = trusted.grad(code.sum(), leaves, allow_unused=True) if leaves else []\n"
    "    z = z.clone().requires_grad_(True)\n"
    "    (to_z,) = trusted.grad(model.decode(z).sum(), [z], allow_unused=True)\n"
    "    return [g for g in found if g is not None], to_z\n",
    "gradients",
)


def as_array(got, what, shape):
    expect(
        isinstance(got, torch.Tensor),
        f"{what} doit être un torch.Tensor, pas un objet de type {type(got).__name__}",
    )
    expect(tuple(got.shape) == shape, f"{what} a la forme {tuple(got.shape)}, la forme attendue est {shape}")
    expect(got.dtype == torch.float32, f"{what} a le type {got.dtype}, torch.float32 est attendu")
    array = got.numpy()
    expect(bool(np.all(np.isfinite(array))), f"{what} contient des valeurs non finies (nan ou inf)")
    return array


def pixels(rng, n, d):
    return torch.from_numpy(rng.uniform(0.0, 1.0, size=(n, d)).astype(np.float32))


def check_shapes(student, rng, d_in, d_latent, d_hidden, n):
    name = f"Autoencoder({d_in}, {d_latent}, {d_hidden})"
    model = student.call("Autoencoder", d_in, d_latent, d_hidden)
    x = pixels(rng, n, d_in)
    as_array(student.method(model, "encode", x), f"encode de {name} sur {n} exemple(s)", (n, d_latent))
    z = torch.from_numpy(rng.normal(size=(n, d_latent)).astype(np.float32))
    as_array(student.method(model, "decode", z), f"decode de {name} sur {n} exemple(s)", (n, d_in))
    as_array(student.method(model, "forward", x), f"forward de {name} sur {n} exemple(s)", (n, d_in))


@question("Autoencoder", points=1.0)
def test_shapes(student, rng):
    check_shapes(student, rng, 64, 2, 32, 10)
    check_shapes(student, rng, 20, 3, 16, 1)
    check_shapes(student, rng, 7, 5, 40, 4)


@question("Autoencoder", points=0.5)
def test_forward_is_decode_of_encode(student, rng):
    d_in, d_latent, d_hidden = 30, 2, 24
    model = student.call("Autoencoder", d_in, d_latent, d_hidden)
    student.method(model, "eval")  # no dropout or other randomness while comparing
    x = pixels(rng, 6, d_in)
    z = student.method(model, "encode", x)
    as_array(z, "encode(x)", (6, d_latent))
    x_hat = as_array(student.method(model, "decode", z), "decode(encode(x))", (6, d_in))
    got = as_array(student.method(model, "forward", x), "forward(x)", (6, d_in))
    scale = float(np.max(np.abs(x_hat))) or 1.0
    expect_array(
        got,
        x_hat.astype(np.float64),
        rtol=1e-5,
        atol=1e-5 * scale,
        what="forward(x) comparé à decode(encode(x))",
    )


@question("Autoencoder", points=0.5)
def test_encode_and_decode_are_differentiable(student, rng):
    # encode must let gradients reach its parameters, decode must depend on z:
    # both sums of absolute gradients are positive (exact zeros otherwise).
    d_in, d_latent, d_hidden = 16, 2, 20
    model = student.call("Autoencoder", d_in, d_latent, d_hidden)
    x = pixels(rng, 5, d_in)
    z = torch.from_numpy(rng.normal(size=(5, d_latent)).astype(np.float32))
    out = expect_tuple(student.run(GRADIENTS, model, x, z), 2, what="les gradients mesurés")
    expect(
        type(out[0]) in (list, tuple) and all(isinstance(g, torch.Tensor) for g in out[0]),
        "les gradients de encode(x) par rapport aux paramètres n'ont pas pu être mesurés",
    )
    encoder = float(sum(np.abs(g.detach().to(torch.float64).numpy()).sum() for g in out[0]))
    decoder = 0.0 if out[1] is None else float(np.abs(out[1].detach().to(torch.float64).numpy()).sum())
    expect(
        encoder > 0.0,
        "encode(x) ne dépend pas des paramètres du modèle de façon dérivable "
        "(aucun gradient ne les atteint) : l'encodeur ne pourrait pas apprendre",
    )
    expect(decoder > 0.0, "decode(z) ne dépend pas de z : le décodeur doit utiliser le code latent")


@question("Autoencoder", points=1.0, timeout=60)
def test_learns_a_two_dimensional_surface(student, rng):
    n, d = 128, 8
    z = rng.normal(size=(n, 2))
    A = rng.normal(scale=1.5, size=(d, 2))
    c = rng.normal(scale=0.5, size=d)
    X = (1.0 / (1.0 + np.exp(-(z @ A.T + c)))).astype(np.float32)
    total_variance = float(np.mean((X.astype(np.float64) - X.mean(axis=0)) ** 2))
    got = student.run(TRAIN_AUTOENCODER, torch.from_numpy(X), 2, 32, 200, 0.02, int(rng.integers(2**31)))
    reconstructed = as_array(got, "la reconstruction model(X) après entraînement", X.shape)
    after = float(np.mean((reconstructed.astype(np.float64) - X.astype(np.float64)) ** 2))
    expect(
        after <= MAX_UNEXPLAINED * total_variance,
        "après 200 pas d'Adam sur des données qui vivent sur une surface de dimension 2, "
        f"l'autoencodeur explique trop peu de la variance (part inexpliquée "
        f"{after / total_variance:.2f}, au plus {MAX_UNEXPLAINED} attendu) : le décodeur "
        "utilise-t-il bien le code latent, et encode/decode sont-ils dérivables ?",
    )
