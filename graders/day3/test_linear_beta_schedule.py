"""Hidden graders of ``linear_beta_schedule``: T values from beta_start to beta_end, both included, float64.

Tolerance: evenly spaced values in float64 (torch.linspace, np.linspace, a
formula start + i * (end - start) / (T - 1)) agree to a few ulps: rtol =
1e-12 with atol = 1e-15. Leaving out an endpoint shifts every value by up to
(end - start) / T, a float32 schedule errs by ~1e-8 relative (1e4 times the
tolerance).
"""

import torch

from tpgrade.grader import question, reference, sibling

ref = reference("day3")
common = sibling(__file__, "common")

RTOL, ATOL = 1e-12, 1e-15


def check(got, T, what, **kwargs):
    common.expect_tensor(
        got,
        ref.linear_beta_schedule(T, **kwargs),
        rtol=RTOL,
        atol=ATOL,
        dtype=torch.float64,
        what=f"le planning des beta ({what})",
    )


@question("linear_beta_schedule", points=0.5)
def test_default_endpoints(student, rng):
    check(student.linear_beta_schedule(1000), 1000, "T = 1000, bornes par défaut")
    T = int(rng.integers(20, 200))
    check(student.linear_beta_schedule(T), T, f"T = {T}, bornes par défaut")


@question("linear_beta_schedule", points=0.5)
def test_given_endpoints_and_two_steps(student, rng):
    start, end = float(rng.uniform(1e-5, 1e-3)), float(rng.uniform(0.05, 0.3))
    check(
        student.linear_beta_schedule(50, beta_start=start, beta_end=end),
        50,
        "T = 50, bornes données",
        beta_start=start,
        beta_end=end,
    )
    check(
        student.linear_beta_schedule(2, start, end),
        2,
        "T = 2 : les deux bornes seulement",
        beta_start=start,
        beta_end=end,
    )
