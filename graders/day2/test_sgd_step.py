"""Hidden graders of ``sgd_step``: a new dict ``p - lr * g``, inputs untouched.

Tolerance: p - lr * g is one float64 product and one subtraction, exact to
1 ulp of the result's terms, so rtol = 1e-12 with atol = 1e-12 (parameters
and steps are O(1)) leaves a margin of 1e3.
"""

from tpgrade.grader import expect_array, expect_dict, expect_unchanged, question, reference

ref = reference("day2")

RTOL, ATOL = 1e-12, 1e-12
KEYS = ("W1", "b1", "W2", "b2")


def random_params(rng, d, h, k):
    shapes = {"W1": (h, d), "b1": (h,), "W2": (k, h), "b2": (k,)}
    return {key: rng.normal(size=shape) for key, shape in shapes.items()}


def check_values(student, params, grads, lr, what):
    got = expect_dict(student.sgd_step(params, grads, lr), KEYS, what="le résultat de sgd_step")
    expected = ref.sgd_step(params, grads, lr)
    for key in KEYS:
        expect_array(
            got[key], expected[key], rtol=RTOL, atol=ATOL, what=f"le paramètre {key} mis à jour ({what})"
        )


@question("sgd_step", points=0.5)
def test_update(student, rng):
    d, h, k = 4, 6, 3
    for lr in (0.1, float(rng.uniform(0.001, 0.5))):
        check_values(student, random_params(rng, d, h, k), random_params(rng, d, h, k), lr, f"lr = {lr:.3g}")
    check_values(student, random_params(rng, 1, 1, 2), random_params(rng, 1, 1, 2), 0.05, "réseau minuscule")


@question("sgd_step", points=0.5)
def test_inputs_not_modified(student, rng):
    params, grads = random_params(rng, 3, 5, 2), random_params(rng, 3, 5, 2)
    kept_params, kept_grads = student.keep(params), student.keep(grads)
    got = expect_dict(student.sgd_step(kept_params, kept_grads, 0.1), KEYS, what="le résultat de sgd_step")
    # Bit for bit: the inputs must not be touched at all.
    expect_unchanged(student.value(kept_params), params, what="le dictionnaire params passé à sgd_step")
    expect_unchanged(student.value(kept_grads), grads, what="le dictionnaire grads passé à sgd_step")
    for key in KEYS:
        expect_array(
            got[key],
            params[key] - 0.1 * grads[key],
            rtol=RTOL,
            atol=ATOL,
            what=f"le paramètre {key} mis à jour",
        )
