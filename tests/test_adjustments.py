"""Instructors' adjustments of TP grades: kept across re-grading while the submission is the
same, set aside (and said) when it changed, shown in every report, never overwritten."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.commands.app import app
from tpgrade.models import QuestionResult, SubmissionResult

runner = CliRunner()


def graded(student: str, softmax: float, digest: str) -> SubmissionResult:
    questions = {
        "softmax": QuestionResult(
            name="softmax", score=softmax, max_score=2, status="failed", message="écart"
        ),
        "adam_step": QuestionResult(name="adam_step", score=3, max_score=3, status="passed"),
    }
    return SubmissionResult(
        student=student, day="day2", status="graded", score=softmax + 3, max_score=5,
        questions=questions, submission_hash=digest, grader_version="v1",
    )  # fmt: skip


def invoke(*args: str) -> str:
    outcome = runner.invoke(app, list(args))
    assert outcome.exit_code == 0, outcome.output
    return outcome.output


def report(store: Path) -> Path:
    invoke("report", "day2", "--store", str(store))
    return store.parent / "reports" / "day2"


def test_an_adjustment_shows_in_every_report_and_survives_re_grading(tmp_path: Path) -> None:
    store_path = tmp_path / "tpgrade.sqlite"
    store = SqliteStore(store_path)
    store.save(graded("Ana/1", 0.5, "h1"))
    store.close()
    invoke("adjust", "day2", "Ana/1", "softmax", "1.5", "--comment", "erreur d'arrondi seulement",
           "--author", "prof", "--store", str(store_path))  # fmt: skip
    folder = report(store_path)
    (row,) = list(
        csv.DictReader(io.StringIO((folder / "gradebook_day2.csv").read_text(encoding="utf-8"), newline=""))
    )
    assert (row["softmax"], row["total"]) == ("1.5", "4.5") and "erreur d'arrondi" in row["adjustments"]
    page = next((folder / "feedback").glob("*.md")).read_text(encoding="utf-8")
    assert "ajusté par l'enseignant (prof" in page and "erreur d'arrondi seulement" in page
    data = json.loads((folder / "results_day2.json").read_text(encoding="utf-8"))
    assert "ajusté" in json.dumps(data, ensure_ascii=False)
    store = SqliteStore(store_path)
    store.save(graded("Ana/1", 0.5, "h1").model_copy(update={"grader_version": "v2"}))  # graded again
    stored = store.latest("day2")[0]
    store.close()
    assert stored.score == 3.5  # the stored result itself is never changed
    (row,) = list(
        csv.DictReader(
            io.StringIO((report(store_path) / "gradebook_day2.csv").read_text(encoding="utf-8"), newline="")
        )
    )
    assert row["total"] == "4.5"


def test_a_new_submission_sets_the_adjustment_aside_and_says_so(tmp_path: Path) -> None:
    store_path = tmp_path / "tpgrade.sqlite"
    store = SqliteStore(store_path)
    store.save(graded("Ana/1", 0.5, "h1"))
    store.close()
    invoke("adjust", "day2", "Ana/1", "softmax", "2", "--store", str(store_path))
    store = SqliteStore(store_path)
    store.save(graded("Ana/1", 1.0, "h2"))
    store.close()
    outcome = runner.invoke(app, ["report", "day2", "--store", str(store_path)])
    assert outcome.exit_code == 0 and "set aside" in outcome.output
    folder = store_path.parent / "reports" / "day2"
    (row,) = list(
        csv.DictReader(io.StringIO((folder / "gradebook_day2.csv").read_text(encoding="utf-8"), newline=""))
    )
    assert row["total"] == "4" and "non appliqué" in row["adjustments"]


def test_bad_adjustments_are_refused_and_clear_removes_one(tmp_path: Path) -> None:
    store_path = tmp_path / "tpgrade.sqlite"
    store = SqliteStore(store_path)
    store.save(graded("Ana/1", 0.5, "h1"))
    store.close()
    for args, said in (
        (["Bob/2", "softmax", "1"], "no result for 'Bob/2'"),
        (["Ana/1", "sofmax", "1"], "no question 'sofmax'"),
        (["Ana/1", "softmax", "2.5"], "give 0 to 2"),
        (["Ana/1", "softmax"], "give the POINTS"),
    ):
        outcome = runner.invoke(app, ["adjust", "day2", *args, "--store", str(store_path)])
        assert outcome.exit_code != 0 and said in outcome.output, (args, outcome.output)
    invoke("adjust", "day2", "Ana/1", "softmax", "2", "--store", str(store_path))
    assert "Removed" in invoke("adjust", "day2", "Ana/1", "softmax", "--clear", "--store", str(store_path))
    (row,) = list(
        csv.DictReader(
            io.StringIO((report(store_path) / "gradebook_day2.csv").read_text(encoding="utf-8"), newline="")
        )
    )
    assert row["total"] == "3.5" and row["adjustments"] == ""
