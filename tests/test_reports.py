"""Reports: student text is inert, rejected files are explained, missing functions point at their cell."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote

from tpgrade import paths
from tpgrade.identity import file_name
from tpgrade.judge.engine import GradingConfig, grade_file, grader_version
from tpgrade.models import QuestionResult, SubmissionResult
from tpgrade.reports import write_reports
from tpgrade.reports.feedback import feedback_html, feedback_markdown
from tpgrade.reports.summary import _failure_key, point_step
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
    assert sorted(p.name for p in paths_written.feedback_dir.iterdir()) == [
        "%3cb%3eeve%3c%2fb%3e.html",
        "%3cb%3eeve%3c%2fb%3e.md",
    ]


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


def cohort() -> list[SubmissionResult]:
    """Three graded students and a rejected one, with known scores."""

    def result(
        student: str, softmax: float, adam: float, message: str = "", participant: str = ""
    ) -> SubmissionResult:
        questions = {
            "softmax": QuestionResult(
                name="softmax",
                score=softmax,
                max_score=2,
                status="passed" if softmax == 2 else "failed",
                message="" if softmax == 2 else f"écart de {softmax + 0.5} sur la ligne {int(softmax)}",
            ),
            "adam_step": QuestionResult(
                name="adam_step",
                score=adam,
                max_score=3,
                status="passed" if adam == 3 else "partial",
                message=message,
            ),
        }
        return SubmissionResult(
            student=student,
            day="day2",
            status="graded",
            score=softmax + adam,
            max_score=5,
            questions=questions,
            participant=participant,
        )

    rejected = SubmissionResult(
        student="Paul Pdf/1042", day="day2", status="rejected", message="aucun notebook", participant="1042"
    )
    return [
        result("Ana Lima/1001", 2, 3, participant="1001"),
        result("Ben/1002", 0, 1.5, "biais non corrigé", participant="1002"),
        result("carla_7", 1, 1.5, "biais non corrigé"),
        rejected,
    ]


def test_cohort_summary_has_statistics_plots_and_frequent_failures(tmp_path: Path) -> None:
    written = write_reports(cohort(), tmp_path, "day2")
    page = written.summary.read_text()
    assert "3 notés" in page and "1 refusés" in page and 'lang="fr"' in page
    assert "moyenne 3,00, médiane 2,5" in page  # totals 5, 1.5, 2.5
    assert page.count("data:image/png;base64,") == 1
    assert "2 × biais non corrigé" in page
    assert "2 × écart de # sur la ligne #" in page  # messages differing by numbers are counted together
    assert "33 %" in page  # one in three has full marks on each question
    assert "Paul Pdf/1042" in page and "aucun notebook" in page  # the rejected file and why
    for result in cohort():  # every student links to their own feedback page
        link = f'href="feedback/{quote(file_name(result.student))}.html"'
        assert link in page and (tmp_path / "feedback" / f"{file_name(result.student)}.html").is_file()


def test_histogram_bins_follow_the_points_granularity() -> None:
    assert point_step([0.5, 1.0, 2.0]) == 0.5
    assert point_step([0.25, 0.75, 3.0]) == 0.25
    assert point_step([1.0, 2.0]) == 1.0
    assert point_step([]) == 1.0


def test_long_failure_messages_are_cut_at_a_word() -> None:
    key = _failure_key("mot " * 100)
    assert key.endswith(" …") and all(word in ("mot", "…") for word in key.split())


def test_moodle_worksheet_and_gradescope_results(tmp_path: Path) -> None:
    written = write_reports(cohort(), tmp_path, "day2")
    import json

    rows = list(csv.DictReader(io.StringIO(written.moodle.read_text(encoding="utf-8"), newline="")))
    # carla_7 handed in a plain file: the digits of her name are nobody's participant number.
    # The number comes from the result's field, never from the id.
    assert [row["Identifier"] for row in rows] == [
        "Participant 1001",
        "Participant 1002",
        "carla_7",
        "Participant 1042",
    ]
    assert rows[2]["Full name"] == "carla_7"
    assert (
        rows[0]["Full name"] == "Ana Lima"
        and rows[0]["Grade"] == "5.00"
        and rows[0]["Maximum Grade"] == "5.00"
    )
    ben = json.loads((written.gradescope_dir / "Ben%2f1002~1" / "results.json").read_text())
    assert ben["score"] == 1.5
    assert {t["name"]: t["status"] for t in ben["tests"]} == {"softmax": "failed", "adam_step": "failed"}
    assert "biais non corrigé" in ben["tests"][1]["output"]
    paul = json.loads((written.gradescope_dir / "Paul%20Pdf%2f1042~11" / "results.json").read_text())
    assert paul["score"] == 0 and paul["output"] == "aucun notebook"


def test_csv_cells_cannot_become_spreadsheet_formulas(tmp_path: Path) -> None:
    hostile = SubmissionResult(
        student='=HYPERLINK("http://x")', day="day2", status="rejected", message="@SUM(A1)"
    )
    written = write_reports([hostile], tmp_path, "day2")
    [row] = list(csv.DictReader(io.StringIO(written.gradebook.read_text(encoding="utf-8"), newline="")))
    assert row["student"] == '\'=HYPERLINK("http://x")' and row["message"] == "'@SUM(A1)"
    [moodle] = list(csv.DictReader(io.StringIO(written.moodle.read_text(encoding="utf-8"), newline="")))
    assert moodle["Identifier"].startswith("'=") and moodle["Feedback comments"] == "'@SUM(A1)"
