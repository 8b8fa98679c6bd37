"""Hidden graders of ``TwoLayerMLP``: an ``nn.Module`` with ``fc1``, ReLU, ``fc2``.

The module is built in the student's process (``student.call``) and stays
there; the judge reads its weights, loads its own with ``load_state_dict``,
and compares ``forward`` with ``mlp_forward`` of the reference evaluated in
float64 on the very same float32 weights and inputs.

Tolerance: the module computes in float32 (unit round-off 6e-8). A logit is
two dot products of length <= 64 of O(1) terms, so its absolute error is at
most ~64 * 6e-8 * (sum of |terms|) ~ 1e-5 times the scale of the logits in the
worst case, ~1e-6 typically. rtol = 1e-4 with atol = 1e-4 times the largest
logit leaves a margin of 10 over the worst case, while a missing ReLU, a
sigmoid in its place or a softmax on the output change the logits by O(1).

Gradients (``forward`` must stay differentiable for training): the probe
returns the gradient of the sum of the logits with respect to ``fc1.weight``,
compared with the closed form ``((1 W2) * 1[Z1 > 0])ᵀ X`` with the same
float32 tolerance argument (sums of length <= 16).
"""

import numpy as np
import torch

from tpgrade.grader import PyFunction, expect, expect_array, expect_scalar, question, reference

ref = reference("day1")

RTOL = 1e-4

# Probes never ask the model about itself (its parameters() or __getattr__ could
# lie): the count is the values of every tensor it holds, read from its instance
# dictionaries, or the leaves of the autograd graph of a forward pass (the
# weights its output depends on), whichever is larger; the gradient is taken
# by autograd with respect to the registered fc1.weight.
COUNT_PARAMETERS = PyFunction(
    "def count_parameters(model, x):\n"
    "    held, problems = trusted.count_tensor_values(model)\n"
    "    if problems:\n"
    "        return problems[0]\n"
    "    used = sum(trusted.numel(leaf) for leaf in trusted.graph_leaves(model(x)))\n"
    "    return max(held, used)\n",
    "count_parameters",
)

FC1_GRADIENT = PyFunction(
    "def fc1_gradient(model, x):\n"
    "    weight = trusted.attribute(model, 'fc1', 'weight')\n"
    "    if weight is None:\n"
    "        return 'fc1.weight introuvable'\n"
    "    (grad,) = trusted.grad(model(x).sum(), [weight], allow_unused=True)\n"
    "    return grad\n",
    "fc1_gradient",
)


def as_array(got, what, shape):
    """The student's tensor as a float32 NumPy array, after checking its kind and shape."""
    expect(
        isinstance(got, torch.Tensor),
        f"{what} doit être un torch.Tensor, pas un objet de type {type(got).__name__}",
    )
    expect(tuple(got.shape) == shape, f"{what} a la forme {tuple(got.shape)}, la forme attendue est {shape}")
    expect(got.dtype == torch.float32, f"{what} a le type {got.dtype}, torch.float32 est attendu")
    return got.numpy()


def random_state(rng, d, h, k):
    return {
        "fc1.weight": rng.normal(scale=1.0 / np.sqrt(d), size=(h, d)),
        "fc1.bias": rng.normal(scale=0.5, size=h),
        "fc2.weight": rng.normal(scale=1.0 / np.sqrt(h), size=(k, h)),
        "fc2.bias": rng.normal(scale=0.5, size=k),
    }


def to_tensors(state):
    return {name: torch.from_numpy(value.astype(np.float32)) for name, value in state.items()}


def expected_logits(x, state):
    s = {name: value.numpy().astype(np.float64) for name, value in state.items()}
    return ref.mlp_forward(
        x.numpy().astype(np.float64), s["fc1.weight"], s["fc1.bias"], s["fc2.weight"], s["fc2.bias"]
    )


def check_forward(student, model, x, state, what):
    expected = expected_logits(x, state)
    got = as_array(student.method(model, "forward", x), f"forward ({what})", expected.shape)
    scale = float(np.max(np.abs(expected)))
    expect_array(got, expected, rtol=RTOL, atol=RTOL * scale, what=f"les logits de forward ({what})")


@question("TwoLayerMLP", points=0.5)
def test_layers_and_parameter_count(student, rng):
    for d, h, k in ((784, 256, 10), (int(rng.integers(3, 30)), int(rng.integers(31, 60)), 4)):
        model = student.call("TwoLayerMLP", d, h, k)
        for layer, shape in (("fc1", (h, d)), ("fc2", (k, h))):
            weight = student.attr(model, layer, "weight")
            bias = student.attr(model, layer, "bias")
            as_array(weight, f"{layer}.weight de TwoLayerMLP({d}, {h}, {k})", shape)
            as_array(bias, f"{layer}.bias de TwoLayerMLP({d}, {h}, {k})", shape[:1])
        count = student.run(COUNT_PARAMETERS, model, torch.zeros((2, d)))
        expect(
            not isinstance(count, str),
            f"les paramètres de TwoLayerMLP({d}, {h}, {k}) ne peuvent pas être comptés : {count}",
        )
        expect_scalar(
            count,
            ref.count_mlp_parameters([d, h, k]),
            rtol=0.0,
            atol=0.0,
            what=f"le nombre de paramètres de TwoLayerMLP({d}, {h}, {k}) (valeurs de ses tenseurs)",
        )


@question("TwoLayerMLP", points=1.0)
def test_forward_with_loaded_weights(student, rng):
    d, h, k = 9, 14, 5
    model = student.call("TwoLayerMLP", d, h, k)
    state = to_tensors(random_state(rng, d, h, k))
    student.method(model, "load_state_dict", state)
    x = torch.from_numpy(rng.normal(size=(7, d)).astype(np.float32))
    check_forward(student, model, x, state, "lot de 7 exemples, poids chargés")


@question("TwoLayerMLP", points=0.5)
def test_forward_with_own_weights(student, rng):
    # The module's own initial weights, read back; one example (N = 1) and a
    # larger input dimension.
    d, h, k = 64, 32, 10
    model = student.call("TwoLayerMLP", d, h, k)
    state = {
        f"{layer}.{kind}": student.attr(model, layer, kind)
        for layer in ("fc1", "fc2")
        for kind in ("weight", "bias")
    }
    for name, value in state.items():
        expect(isinstance(value, torch.Tensor), f"{name} doit être un torch.Tensor")
    x = torch.from_numpy(rng.uniform(0.0, 1.0, size=(1, d)).astype(np.float32))
    check_forward(student, model, x, state, "un seul exemple, poids initiaux")
    x = torch.from_numpy(rng.normal(size=(5, d)).astype(np.float32))
    check_forward(student, model, x, state, "lot de 5 exemples, poids initiaux")


@question("TwoLayerMLP", points=0.5)
def test_forward_is_differentiable(student, rng):
    d, h, k = 6, 16, 3
    model = student.call("TwoLayerMLP", d, h, k)
    state = to_tensors(random_state(rng, d, h, k))
    student.method(model, "load_state_dict", state)
    W1, b1, W2 = (state[name].numpy().astype(np.float64) for name in ("fc1.weight", "fc1.bias", "fc2.weight"))
    # Inputs whose hidden pre-activations all stay 1e-3 away from the kink of
    # the ReLU, so that float32 and float64 agree on which units are active.
    while True:
        x = torch.from_numpy(rng.normal(size=(8, d)).astype(np.float32))
        X = x.numpy().astype(np.float64)
        pre_activation = X @ W1.T + b1
        if np.min(np.abs(pre_activation)) > 1e-3:
            break
    got = student.run(FC1_GRADIENT, model, x)
    expect(not isinstance(got, str), f"le gradient de fc1.weight ne peut pas être calculé : {got}")
    expect(got is not None, "la sortie de forward ne dépend pas de fc1.weight de façon dérivable")
    got = as_array(got, "le gradient de fc1.weight", (h, d))
    active = pre_activation > 0
    d_hidden = np.ones((X.shape[0], k)) @ W2 * active  # d(sum of logits) / d(hidden pre-activation)
    expected = d_hidden.T @ X
    scale = float(np.max(np.abs(expected)))
    expect_array(
        got,
        expected,
        rtol=RTOL,
        atol=RTOL * scale,
        what="le gradient de la somme des logits par rapport à fc1.weight",
    )
