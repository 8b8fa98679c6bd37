"""Public tests of TP 2: what students run with ``tpgrade check day2``.

Simpler and fewer than the hidden graders: small inputs, values known in
closed form or recomputed here in a few lines of NumPy.
"""

import numpy as np

from tpgrade.grader import (
    PyFunction,
    expect,
    expect_array,
    expect_dict,
    expect_scalar,
    expect_tuple,
    question,
)

KEYS = ("W1", "b1", "W2", "b2")


def small_network(rng, d=3, h=4, k=3):
    return {
        "W1": rng.normal(size=(h, d)),
        "b1": rng.normal(size=h),
        "W2": rng.normal(size=(k, h)),
        "b2": rng.normal(size=k),
    }


def forward(X, p):
    return np.maximum(X @ p["W1"].T + p["b1"], 0.0) @ p["W2"].T + p["b2"]


def mean_nll(logits, y):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(y)), y].mean()


@question("grad_quadratic", points=1)
def test_grad_quadratic(student):
    expect_array(
        student.grad_quadratic(np.array([1.0, -2.0])),
        np.array([2.0, -12.0]),
        rtol=1e-12,
        atol=1e-12,
        what="le gradient en (1, -2)",
    )


@question("numerical_gradient", points=1)
def test_numerical_gradient(student, rng):
    x = rng.uniform(-2.0, 2.0, size=2)
    f = PyFunction("def f(x):\n    return float(x[0] ** 2 + 3.0 * x[1] ** 2)\n", "f")
    kept = student.keep(x)
    # Central differences are exact on a quadratic, up to round-off ~1e-10.
    expect_array(
        student.numerical_gradient(f, kept),
        np.array([2 * x[0], 6 * x[1]]),
        rtol=1e-6,
        atol=1e-6,
        what="le gradient numérique de x1² + 3 x2²",
    )
    expect_array(student.value(kept), x, rtol=0.0, atol=0.0, what="x après l'appel (il doit rester inchangé)")


@question("softmax", points=1, numpy_only=True)
def test_softmax(student, rng):
    Z = rng.normal(size=(3, 4))
    expected = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    expect_array(student.softmax(Z), expected, rtol=1e-9, atol=1e-12, what="softmax d'une matrice 3×4")
    expect_array(
        student.softmax(np.array([[1e4, 1e4], [0.0, 0.0]])),
        np.full((2, 2), 0.5),
        rtol=1e-9,
        atol=1e-12,
        what="softmax de logits égaux à 1e4",
    )


@question("cross_entropy", points=1, numpy_only=True)
def test_cross_entropy(student):
    # Uniform logits: the loss is log(k) whatever the labels.
    expect_scalar(
        student.cross_entropy(np.zeros((4, 5)), np.array([0, 1, 2, 3])),
        np.log(5),
        rtol=1e-10,
        atol=1e-12,
        what="la perte de logits tous nuls",
    )
    # A confident mistake: -log softmax = 1e4 (+ log(1 + e^-1e4)).
    expect_scalar(
        student.cross_entropy(np.array([[1e4, 0.0]]), np.array([1])),
        1e4,
        rtol=1e-10,
        atol=1e-9,
        what="la perte pour des logits [1e4, 0] et la classe 1",
    )


@question("mlp_forward_cache", points=1, numpy_only=True)
def test_mlp_forward_cache(student, rng):
    X, params = rng.normal(size=(5, 3)), small_network(rng)
    out = expect_tuple(student.mlp_forward_cache(X, params), 2, what="le résultat (logits, cache)")
    expect_array(out[0], forward(X, params), rtol=1e-10, atol=1e-10, what="les logits")


@question("mlp_backward", points=1, numpy_only=True)
def test_mlp_backward(student, rng):
    X, params = rng.normal(size=(6, 3)), small_network(rng)
    y = rng.integers(0, 3, size=6)
    _, cache = expect_tuple(student.mlp_forward_cache(X, params), 2, what="le résultat (logits, cache)")
    grads = expect_dict(student.mlp_backward(y, params, cache), KEYS, what="le résultat de mlp_backward")
    eps = 1e-6
    for key in KEYS:
        numeric = np.zeros_like(params[key])
        for index in np.ndindex(params[key].shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][index] += eps
            minus[key][index] -= eps
            numeric[index] = (mean_nll(forward(X, plus), y) - mean_nll(forward(X, minus), y)) / (2 * eps)
        # Central differences: error ~1e-9 here, far below the tolerance.
        expect_array(
            grads[key],
            numeric,
            rtol=1e-5,
            atol=1e-6,
            what=f"le gradient {key} (comparé à des différences finies)",
        )


@question("sgd_step", points=1)
def test_sgd_step(student, rng):
    params, grads = small_network(rng), small_network(rng)
    kept = student.keep(params)
    new = expect_dict(student.sgd_step(kept, grads, 0.5), KEYS, what="le résultat de sgd_step")
    after = student.value(kept)
    for key in KEYS:
        expect_array(
            new[key],
            params[key] - 0.5 * grads[key],
            rtol=1e-12,
            atol=1e-12,
            what=f"le paramètre {key} mis à jour",
        )
        expect_array(
            after[key],
            params[key],
            rtol=0.0,
            atol=0.0,
            what=f"params[{key!r}] relu après l'appel (l'appel ne doit pas modifier params)",
        )


@question("adam_step", points=1)
def test_adam_first_step(student, rng):
    # At the first step, with bias correction, m_hat = g and v_hat = g**2: each
    # parameter moves by lr * g / (|g| + eps), or lr * g / sqrt(g**2 + eps) with eps
    # under the root (both are accepted), about lr against the sign of g.
    params, grads = small_network(rng), small_network(rng)
    out = expect_tuple(
        student.adam_step(params, grads, None, lr=0.01), 2, what="le résultat de adam_step (params, state)"
    )
    new = expect_dict(out[0], KEYS, what="les nouveaux paramètres")
    outside = {key: params[key] - 0.01 * grads[key] / (np.abs(grads[key]) + 1e-8) for key in KEYS}
    inside = {key: params[key] - 0.01 * grads[key] / np.sqrt(grads[key] ** 2 + 1e-8) for key in KEYS}
    for key in KEYS:
        got = new[key]
        book = type(got) is np.ndarray and got.dtype.kind in "fiu" and got.shape == inside[key].shape
        book = book and bool(np.allclose(got, inside[key], rtol=1e-6, atol=1e-9))
        expected = inside[key] if book else outside[key]
        expect_array(got, expected, rtol=1e-6, atol=1e-9, what=f"le paramètre {key} après un pas")
    second = expect_tuple(
        student.adam_step(out[0], grads, out[1], lr=0.01), 2, what="le résultat du deuxième pas"
    )
    expect_dict(second[0], KEYS, what="les paramètres après le deuxième pas")


@question("train_mlp_numpy", points=1, numpy_only=True, timeout=60)
def test_train_mlp_numpy(student, rng):
    centres = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0]])
    X = np.concatenate([c + rng.normal(size=(30, 2)) for c in centres])
    y = np.repeat(np.arange(3), 30)
    out = expect_tuple(
        student.call("train_mlp_numpy", X, y, 8, 0.05, 10, 10, 0, timeout=60),
        2,
        what="le résultat (params, history)",
    )
    expect_dict(out[0], KEYS, what="les paramètres renvoyés")
    history = np.asarray(out[1], dtype=float)
    expect(history.shape == (10,), "history doit contenir une perte par époque (10 ici)")
    expect(bool(np.all(np.isfinite(history))), "history contient des pertes non finies")
    expect(history[-1] < 0.6 * history[0], "la perte ne diminue pas nettement au fil des époques")
    accuracy = np.mean(forward(X, out[0]).argmax(axis=1) == y)
    expect(accuracy >= 0.9, f"précision d'entraînement trop faible ({accuracy:.0%})")


@question("diagnose_learning_curve", points=1)
def test_diagnose_learning_curve(student):
    t = np.linspace(0.0, 1.0, 40)
    falling = 0.1 + 2.0 * np.exp(-5.0 * t)
    curves = {
        "healthy": (falling, falling + 0.05),
        "overfitting": (0.02 + 2.0 * np.exp(-8.0 * t), 0.5 + 3.0 * (t - 0.3) ** 2),
        "underfitting": (2.2 - 0.1 * t, 2.25 - 0.1 * t),
        "divergence": (2.0 * np.exp(3.0 * t), 2.2 * np.exp(3.0 * t)),
    }
    for kind, (train, val) in curves.items():
        got = student.diagnose_learning_curve(train, val)
        expect(got == kind, f"diagnostic incorrect sur une courbe simple : vous avez répondu {got!r}")
