"""Hidden graders of ``count_conv_parameters``: ``k*k*c_in*c_out`` weights, plus ``c_out`` biases.

Integers: the comparison is exact. The numbers are those of
``torch.nn.Conv2d`` (checked by the test suite). The wrong counts forget
``c_in`` (one kernel per output channel only), use ``k`` instead of ``k*k``,
count one bias per input channel, or ignore ``bias=False``.
"""

from tpgrade.grader import expect_scalar, question, reference

ref = reference("day4")


def check(student, args, kwargs, what):
    expected = ref.count_conv_parameters(*args, **kwargs)
    expect_scalar(
        student.count_conv_parameters(*args, **kwargs),
        expected,
        rtol=0.0,
        atol=0.0,
        what=f"le nombre de paramètres ({what})",
    )


@question("count_conv_parameters", points=0.5)
def test_with_bias(student, rng):
    check(student, (3, 1, 16), {}, "k=3, 1 → 16 canaux")
    k, c_in, c_out = int(rng.integers(2, 8)), int(rng.integers(2, 65)), int(rng.integers(2, 129))
    check(student, (k, c_in, c_out), {}, f"k={k}, {c_in} → {c_out} canaux")
    check(student, (k, c_in, c_out), {"bias": True}, f"k={k}, {c_in} → {c_out} canaux, bias=True")


@question("count_conv_parameters", points=0.5)
def test_without_bias_and_edge_cases(student, rng):
    k, c_in, c_out = int(rng.integers(2, 8)), int(rng.integers(2, 65)), int(rng.integers(2, 129))
    check(student, (k, c_in, c_out), {"bias": False}, f"k={k}, {c_in} → {c_out} canaux, sans biais")
    check(student, (k, c_in, c_out, False), {}, f"k={k}, {c_in} → {c_out} canaux, bias=False positionnel")
    check(student, (1, c_in, c_out), {}, "noyau 1×1")
    check(student, (5, 1, 1), {"bias": False}, "un seul canal, sans biais")
