"""How the judge classifies what goes wrong in a grader."""

from __future__ import annotations

from pathlib import Path

from tpgrade.judge.local import grade_source_in_process

GRADERS = """
from tpgrade.grader import question

@question("f", points=1)
def test_uses_the_value(student, rng):
    value = student.f()
    assert float(value[0]) + 1 > 0  # a grader that did not foresee what f returns

@question("g", points=1)
def test_broken_before_any_call(student, rng):
    {}["missing"]
    student.g()
"""


def test_a_grader_broken_by_a_returned_value_is_invalid_output_not_grader_error(tmp_path: Path) -> None:
    (tmp_path / "test_f.py").write_text(GRADERS)
    results = grade_source_in_process(tmp_path, "def f():\n    return [{'a': 1}]\ndef g():\n    return 1\n")
    assert results["f"].status == "invalid_output" and "inutilisable" in results["f"].message
    assert results["g"].status == "grader_error"  # the grader's own fault: no value came back yet
