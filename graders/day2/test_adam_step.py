"""Hidden graders of ``adam_step``: bias-corrected Adam as ``torch.optim.Adam``.

The student's ``state`` is handed back exactly as it was returned (as data, or
as an opaque reference when it is not plain data). Expected values come from
the reference, which matches torch.optim.Adam in float64 to ~1e-15 (checked by
the test suite).

Tolerance: the contract asks for 1e-6 after ten steps. Parameters are O(1)
and each step moves them by about lr (>= 1e-3), so rtol = 1e-6 with
atol = 1e-9 (a millionth of a step, for parameters that pass near 0) accepts
any correct arrangement of the formula (round-off ~1e-15) and rejects a missing
bias correction (first step off by a factor ~3), a stuck step counter, or eps
inside the square root (the probes with small gradients make eps matter: the
step then changes by 10 % to 100x).
"""

from tpgrade.grader import expect_array, expect_dict, expect_tuple, expect_unchanged, question, reference

ref = reference("day2")

RTOL, ATOL = 1e-6, 1e-9
KEYS = ("W1", "b1", "W2", "b2")


def random_params(rng, d, h, k, scale=1.0):
    shapes = {"W1": (h, d), "b1": (h,), "W2": (k, h), "b2": (k,)}
    return {key: rng.normal(scale=scale, size=shape) for key, shape in shapes.items()}


def run_steps(student, rng, n_steps, grad_scale, what, **hyper):
    """``n_steps`` steps with fresh gradients each time, compared after every step."""
    d, h, k = 3, 5, 4
    params = random_params(rng, d, h, k)
    expected, ref_state = params, None
    got, state = params, None
    for step in range(1, n_steps + 1):
        grads = random_params(rng, d, h, k, scale=grad_scale)
        expected, ref_state = ref.adam_step(expected, grads, ref_state, **hyper)
        out = expect_tuple(
            student.adam_step(got, grads, state, **hyper), 2, what="le résultat de adam_step (params, state)"
        )
        got = expect_dict(out[0], KEYS, what="les nouveaux paramètres")
        state = out[1]
        for key in KEYS:
            expect_array(
                got[key],
                expected[key],
                rtol=RTOL,
                atol=ATOL,
                what=f"le paramètre {key} après {step} pas ({what})",
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
    # Gradients of 1e-6: sqrt(v_hat) ~ 1e-6 while sqrt(eps) = 1e-4, so eps must
    # be added to the square root, not inside it.
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
    expect_unchanged(student.value(kept_params), params, what="params après adam_step")
    expect_unchanged(student.value(kept_grads), grads, what="grads après adam_step")
    # Two steps from the same params with the same gradients.
    expected, state = ref.adam_step(params, grads, None, lr=0.01)
    expected, _ = ref.adam_step(params, grads, state, lr=0.01)
    got = expect_dict(out[0], KEYS, what="les nouveaux paramètres")
    for key in KEYS:
        expect_array(
            got[key], expected[key], rtol=RTOL, atol=ATOL, what=f"le paramètre {key} au deuxième pas"
        )
