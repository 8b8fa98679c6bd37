"""Hidden graders of ``adam_step``: bias-corrected Adam, either placement of eps.

Both published forms get full marks: ``m_hat / (sqrt(v_hat) + eps)`` as in the
paper and ``torch.optim.Adam``, and ``m_hat / sqrt(v_hat + eps)`` as the course
book writes it (§2.6). A submission is compared, over all its steps, with each
form's reference and passes when it follows one of them throughout. The
student's ``state`` is handed back exactly as it was returned (as data, or as
an opaque reference when it is not plain data). The references match
torch.optim.Adam (and the book's formula) in float64 to ~1e-15 (checked by the
test suite).

Tolerance: the contract asks for 1e-6 after ten steps. Parameters are O(1)
and each step moves them by about lr (>= 1e-3), so rtol = 1e-6 with
atol = 1e-9 (a millionth of a step, for parameters that pass near 0) accepts
any correct arrangement of either formula (round-off ~1e-15) and rejects a
missing bias correction (first step off by a factor ~3), a stuck step counter,
or eps left out (the probes with small gradients make eps matter: the step
then changes by 10 % to 100x, and the two placements differ from each other
just as much, so no wrong variant passes for one of them).
"""

from typing import Any

import numpy as np

from tpgrade.grader import expect_array, expect_dict, expect_tuple, expect_unchanged, question, reference

ref = reference("day2")

RTOL, ATOL = 1e-6, 1e-9
KEYS = ("W1", "b1", "W2", "b2")
FORMS = (
    ("ε ajouté à la racine, comme torch.optim.Adam", ref.adam_step),
    ("ε sous la racine, comme le livre (§2.6)", ref.adam_step_book),
)


def random_params(rng, d, h, k, scale=1.0):
    shapes = {"W1": (h, d), "b1": (h,), "W2": (k, h), "b2": (k,)}
    return {key: rng.normal(scale=scale, size=shape) for key, shape in shapes.items()}


def close(got: Any, expected: np.ndarray) -> bool:
    if type(got) is not np.ndarray or got.shape != expected.shape or got.dtype.kind not in "fiu":
        return False
    gap = np.abs(got.astype(np.float64) - expected)
    return bool(np.all(gap <= ATOL + RTOL * np.abs(expected)))


def matching_steps(trajectory, expected) -> int:
    """How many steps, from the first, match ``expected`` on every parameter."""
    for step, (got, want) in enumerate(zip(trajectory, expected, strict=True)):
        if not all(close(got[key], want[key]) for key in KEYS):
            return step
    return len(trajectory)


def run_steps(student, rng, n_steps, grad_scale, what, **hyper):
    """``n_steps`` steps with fresh gradients each time; the submission must follow one
    of the two forms of Adam at every step."""
    d, h, k = 3, 5, 4
    params = random_params(rng, d, h, k)
    gradients = [random_params(rng, d, h, k, scale=grad_scale) for _ in range(n_steps)]
    got, state, trajectory = params, None, []
    for step, grads in enumerate(gradients, 1):
        out = expect_tuple(
            student.adam_step(got, grads, state, **hyper), 2, what="le résultat de adam_step (params, state)"
        )
        got = expect_dict(out[0], KEYS, what=f"les nouveaux paramètres après {step} pas")
        state = out[1]
        trajectory.append(got)
    followed = []
    for form, adam in FORMS:
        expected, ref_state, steps = params, None, []
        for grads in gradients:
            expected, ref_state = adam(expected, grads, ref_state, **hyper)
            steps.append(expected)
        followed.append((matching_steps(trajectory, steps), form, steps))
    count, form, steps = max(followed, key=lambda f: f[0])
    if count == n_steps:
        return
    for key in KEYS:  # the form followed longest explains the first step that is off
        expect_array(
            trajectory[count][key],
            steps[count][key],
            rtol=RTOL,
            atol=ATOL,
            what=f"le paramètre {key} après {count + 1} pas ({what} ; comparé à la forme {form},"
            " les deux places de ε sont acceptées)",
        )


@question("adam_step", points=0.5)
def test_first_step(student, rng):
    run_steps(student, rng, 1, 1.0, "hyperparamètres par défaut")


@question("adam_step", points=1.0)
def test_ten_steps(student, rng):
    run_steps(student, rng, 10, 1.0, "hyperparamètres par défaut")


@question("adam_step", points=0.5)
def test_ten_steps_custom_hyperparameters(student, rng):
    # eps = 1e-4 against gradients of 1e-3: eps counts for ~10 % of the step.
    run_steps(
        student,
        rng,
        10,
        1e-3,
        "lr=0.01, beta1=0.8, beta2=0.99, eps=1e-4",
        lr=0.01,
        beta1=0.8,
        beta2=0.99,
        eps=1e-4,
    )


@question("adam_step", points=0.5)
def test_small_gradients(student, rng):
    # Gradients of 1e-6: sqrt(v_hat) ~ 1e-6 against eps = 1e-8 outside the root
    # and sqrt(eps) = 1e-4 inside it: eps shapes the step, and the two forms differ.
    run_steps(student, rng, 5, 1e-6, "gradients très petits", lr=0.001)


@question("adam_step", points=0.5)
def test_inputs_not_modified(student, rng):
    params, grads = random_params(rng, 2, 4, 3), random_params(rng, 2, 4, 3)
    kept_params, kept_grads = student.keep(params), student.keep(grads)
    out = expect_tuple(
        student.adam_step(kept_params, kept_grads, None, lr=0.01),
        2,
        what="le résultat de adam_step (params, state)",
    )
    out = expect_tuple(
        student.adam_step(kept_params, kept_grads, out[1], lr=0.01),
        2,
        what="le résultat de adam_step (params, state)",
    )
    expect_unchanged(student.value(kept_params), params, what="le dictionnaire params passé à adam_step")
    expect_unchanged(student.value(kept_grads), grads, what="le dictionnaire grads passé à adam_step")
    # Two steps from the same params with the same gradients.
    got = expect_dict(out[0], KEYS, what="les nouveaux paramètres")
    options = []
    for form, adam in FORMS:
        expected, state = adam(params, grads, None, lr=0.01)
        expected, _ = adam(params, grads, state, lr=0.01)
        if all(close(got[key], expected[key]) for key in KEYS):
            return
        options.append((form, expected))
    form, expected = options[0]
    for key in KEYS:
        expect_array(
            got[key],
            expected[key],
            rtol=RTOL,
            atol=ATOL,
            what=f"le paramètre {key} au deuxième pas (comparé à la forme {form}, les deux places de ε sont acceptées)",
        )
