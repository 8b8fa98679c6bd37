"""``tpgrade validate``: the real Day 2 material passes; broken material is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tpgrade import paths
from tpgrade.cohort.batch import SandboxSpec
from tpgrade.course.validate import Finding, available_days, validate_day
from tpgrade.sandbox import choose_sandbox

# Not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow


def failures(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if not finding.ok]


@pytest.mark.parametrize("day", available_days())
def test_course_material_validates(day: str) -> None:
    preload = paths.preloaded_libraries(day)
    sandbox, _ = choose_sandbox("process", [paths.course_root()], allow_none=False, preload=preload)
    spec = SandboxSpec("process", (paths.course_root(),), allow_none=False, preload=preload)
    try:
        findings = validate_day(day, sandbox, spec=spec, workers=2)  # the mutants two at a time
    finally:
        sandbox.close()
    assert failures(findings) == []
    subjects = {finding.subject for finding in findings}
    assert {"reference gets full marks", "stub gets zero", "stub notebook runs clean"} <= subjects
    assert sum(subject.startswith("mutant ") for subject in subjects) >= 2 * sum(
        subject.startswith("mutants for ") for subject in subjects
    )


@pytest.fixture
def course_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = paths.course_root()
    copy = tmp_path / "course"
    for part in ("assignments/day2", "reference/day2", "graders/day2"):
        shutil.copytree(root / part, copy / part)
    monkeypatch.setenv("TPGRADE_COURSE", str(copy))
    return copy


def test_validate_catches_a_mutant_that_survives_and_a_wrong_reference(course_copy: Path) -> None:
    mutants = course_copy / "graders/day2/mutants"
    for mutant in mutants.iterdir():
        mutant.unlink()
    (mutants / "softmax__harmless.py").write_text("# changes nothing: the graders cannot catch it\n")
    (mutants / "nosuchquestion__x.py").write_text("x = 1\n")
    reference = course_copy / "reference/day2/solution.py"
    # Wrong whatever the graders compare it with (they take expected values from the
    # reference itself): a list where an array is due.
    reference.write_text(reference.read_text() + "\n\ndef grad_quadratic(x):\n    return [0.0, 0.0]\n")
    sandbox, _ = choose_sandbox("process", [course_copy], allow_none=False)
    failed = {finding.subject for finding in failures(validate_day("day2", sandbox, run_notebook=False))}
    assert "reference gets full marks" in failed
    assert "mutant softmax__harmless" in failed
    assert "mutant nosuchquestion__x" in failed
    assert "mutants for mlp_backward" in failed  # fewer than two left
    assert "stub gets zero" not in failed
