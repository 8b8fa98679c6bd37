"""Reports: student text is inert, rejected files are explained, missing functions point at their cell."""

from __future__ import annotations

from pathlib import Path

from tpgrade import paths
from tpgrade.engine import GradingConfig, grade_file, grader_version
from tpgrade.models import QuestionResult, SubmissionResult
from tpgrade.reports import write_reports
from tpgrade.reports.feedback import feedback_html, feedback_markdown
from tpgrade.sandbox import choose_sandbox

HOSTILE_TEXT = "<script>alert('x')</script> | **gras** `code` [lien](http://x)"


def test_text_from_student_code_cannot_inject_html_or_markdown(tmp_path: Path) -> None:
    question = QuestionResult(name="softmax", score=0, max_score=2, status="error", message=HOSTILE_TEXT)
    result = SubmissionResult(
        student="<b>eve</b>", day="day2", status="graded", max_score=2, questions={"softmax": question}
    )
    html = feedback_html(feedback_markdown(result, "day2"), "t")
    assert "<script>" not in html and "<b>eve</b>" not in html and "<strong>gras</strong>" not in html
    assert 'href="http://x"' not in html
    paths_written = write_reports([result], tmp_path, "day2")
    assert sorted(p.name for p in paths_written.feedback_dir.iterdir()) == ["b_eve_b.html", "b_eve_b.md"]


def test_a_function_whose_cell_failed_says_so(tmp_path: Path, reference_source: str) -> None:
    broken = reference_source.replace("def adam_step(", "def adam_step(:", 1)
    path = tmp_path / "zoe.py"
    path.write_text(broken)
    sandbox, _ = choose_sandbox("process", [paths.course_root()], allow_none=False)
    config = GradingConfig(
        day="day2",
        tests_dir=paths.graders_dir("day2"),
        sandbox=sandbox,
        grader_version=grader_version("day2"),
    )
    result = grade_file(path, config)
    adam = result.questions["adam_step"]
    assert adam.status == "not_implemented" and "cellule" in adam.message and "SyntaxError" in adam.message
    assert all(q.score == q.max_score for name, q in result.questions.items() if name != "adam_step")
