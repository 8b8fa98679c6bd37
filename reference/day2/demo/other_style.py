"""Day 2, a second correct solution in yet another style.

SciPy's ``logsumexp`` (allowed: NumPy, SciPy and the standard library),
``np.nditer`` over ``x`` modified in place and restored, the cache as a
tuple, the Adam state as a tuple ``(t, m, v)`` of plain data, the update of
Kingma & Ba rewritten with ``np.divide``, LeCun-normal initialisation drawn
from ``np.random.seed``, batches taken with ``np.take``, and a history that
is the plain mean of the mini-batch losses.
"""

import numpy as np
from scipy.special import logsumexp


def grad_quadratic(x):
    x1, x2 = float(x[0]), float(x[1])
    return np.asarray([x1 * 2, x2 * 6], dtype=np.float64)


def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for element in it:
        keep = element.copy()
        element[...] = keep + eps
        plus = f(x)
        element[...] = keep - eps
        minus = f(x)
        element[...] = keep
        grad[it.multi_index] = (plus - minus) / eps / 2
    return grad


def softmax(Z):
    return np.exp(Z - logsumexp(Z, axis=1, keepdims=True))


def cross_entropy(logits, y):
    picked = np.take_along_axis(logits, np.asarray(y).reshape(-1, 1), axis=1)[:, 0]
    return np.mean(logsumexp(logits, axis=1) - picked)


def mlp_forward_cache(X, params):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    pre = np.dot(X, W1.T) + b1
    mask = pre > 0
    hidden = pre * mask
    logits = np.dot(hidden, W2.T) + b2
    return logits, (X, mask, hidden, softmax(logits))


def mlp_backward(y, params, cache):
    X, mask, hidden, probs = cache
    onehot = np.eye(probs.shape[1])[y]
    d_logits = (probs - onehot) / len(y)
    d_hidden = np.dot(d_logits, params["W2"]) * mask
    return {
        "W2": np.dot(d_logits.T, hidden),
        "b2": np.sum(d_logits, axis=0),
        "W1": np.dot(d_hidden.T, X),
        "b1": np.sum(d_hidden, axis=0),
    }


def sgd_step(params, grads, lr):
    return dict((k, np.subtract(params[k], np.multiply(lr, grads[k]))) for k in params)


def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        zeros = {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}
        state = (0, zeros, dict(zeros))
    t, m, v = state
    t = t + 1
    m = {k: np.add(np.multiply(beta1, m[k]), np.multiply(1 - beta1, grads[k])) for k in params}
    v = {k: np.add(np.multiply(beta2, v[k]), np.multiply(1 - beta2, np.square(grads[k])))
         for k in params}
    out = {}
    for k in params:
        m_hat = np.divide(m[k], 1 - np.power(beta1, t))
        v_hat = np.divide(v[k], 1 - np.power(beta2, t))
        out[k] = params[k] - np.divide(lr * m_hat, np.add(np.sqrt(v_hat), eps))
    return out, (t, m, v)


def train_mlp_numpy(X, y, d_hidden, lr, epochs, batch_size, seed):
    np.random.seed(seed)
    n_classes = int(np.max(y)) + 1
    params = {
        "W1": np.random.randn(d_hidden, X.shape[1]) / np.sqrt(X.shape[1]),
        "b1": np.zeros(d_hidden),
        "W2": np.random.randn(n_classes, d_hidden) / np.sqrt(d_hidden),
        "b2": np.zeros(n_classes),
    }
    history = []
    for _ in range(epochs):
        perm = np.random.permutation(len(X))
        losses = []
        for i in range(0, len(X), batch_size):
            idx = perm[i : i + batch_size]
            Xb, yb = np.take(X, idx, axis=0), np.take(y, idx)
            logits, cache = mlp_forward_cache(Xb, params)
            losses.append(cross_entropy(logits, yb))
            params = sgd_step(params, mlp_backward(yb, params, cache), lr)
        history.append(float(np.mean(losses)))
    return params, history


def diagnose_learning_curve(train_loss, val_loss):
    train, val = np.asarray(train_loss, float), np.asarray(val_loss, float)
    if not np.isfinite(train).all() or np.max(train) > 5 * train[0]:
        return "divergence"
    n = len(train)
    k = max(1, n // 10)
    head, tail = np.mean(train[:k]), np.mean(train[-k:])
    if tail > head:
        return "divergence"
    if tail > 0.8 * head:
        return "underfitting"
    val_tail = np.mean(val[-k:])
    best = np.min(np.convolve(val, np.ones(k) / k, mode="valid"))
    if val_tail > 1.5 * best:
        return "overfitting"
    return "healthy"
