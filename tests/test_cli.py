"""The ``tpgrade`` command, through Typer's runner: exit code first, then output."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tpgrade import paths
from tpgrade.commands.app import app

runner = CliRunner()


@pytest.mark.parametrize("command", ["grade", "report", "check", "validate", "demo"])
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["grade", "day9", "x.py"], 2, "unknown day"),
        (["grade", "day2", "does-not-exist"], 3, "no such file"),
        (["grade", "day2", ".", "--sandbox", "none"], 2, "--allow-unsandboxed"),
        (["report", "day2", "--store", "nowhere/s.sqlite"], 5, "no results store"),
        (["check", "day2", "missing.ipynb"], 3, "fichier introuvable"),
        (["similarity", "day2"], 2, "--database"),
        (["exam", "report", "nopaper", "--store", "nowhere/s.sqlite"], 3, "paper"),
    ],
)
def test_user_errors_are_one_line_with_their_exit_code(
    args: list[str], code: int, fragment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # what a command writes in the current folder lands there
    (tmp_path / "a.py").write_text("x = 1\n")
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert fragment in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["check", "day2", "missing.ipynb"], ["check", "day9", "tp.ipynb"]])
def test_the_student_s_check_speaks_french_even_in_its_errors(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code in (2, 3)
    assert result.output.startswith("Erreur : ") and "Error" not in result.output, result.output


@pytest.mark.slow  # grades a small cohort end to end in the real sandbox
def test_grade_then_report(tmp_path: Path, small_cohort: Path) -> None:
    store = tmp_path / "results" / "s.sqlite"
    out_json = tmp_path / "r.json"
    result = runner.invoke(
        app, ["grade", "day2", str(small_cohort), "--store", str(store), "--json", str(out_json)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out_json.read_text())
    by_student = {s["student"]: s for s in data["submissions"]}
    assert set(by_student) == {"alice", "bob", "carl", "dora"}
    alice = by_student["alice"]
    assert alice["status"] == "graded" and alice["score"] == alice["max_score"] > 0
    assert set(alice["questions"]) >= {"softmax", "mlp_backward", "adam_step"}
    assert all({"score", "max_score", "status", "message"} <= set(q) for q in alice["questions"].values())
    assert by_student["dora"]["score"] == 0
    assert all(q["status"] == "not_implemented" for q in by_student["dora"]["questions"].values())
    assert by_student["bob"]["status"] == "rejected" and "JSON" in by_student["bob"]["message"]
    assert by_student["carl"]["status"] == "rejected" and "vide" in by_student["carl"]["message"]

    again = runner.invoke(app, ["grade", "day2", str(small_cohort), "--store", str(store)])
    assert again.exit_code == 0
    assert "0 graded now, 4 already in the store" in again.output

    reports = tmp_path / "reports"
    rendered = runner.invoke(app, ["report", "day2", "--store", str(store), "--out", str(reports)])
    assert rendered.exit_code == 0, rendered.output
    rows = list(
        csv.DictReader(io.StringIO((reports / "gradebook_day2.csv").read_text(encoding="utf-8"), newline=""))
    )
    assert [row["student"] for row in rows] == ["alice", "bob", "carl", "dora"]
    assert float(rows[0]["total"]) == float(rows[0]["max_score"]) and "softmax" in rows[0]
    page = (reports / "feedback" / "dora.html").read_text()
    assert "non implémentée" in page and "<table>" in page
    assert "refusé" in (reports / "feedback" / "bob.md").read_text()
    assert json.loads((reports / "results_day2.json").read_text())["submissions"]


def test_check_passes_on_the_reference_and_fails_on_the_stub(tmp_path: Path, reference_source: str) -> None:
    solution = tmp_path / "mon_tp.py"
    solution.write_text(reference_source)
    passed = runner.invoke(app, ["check", "day2", str(solution)])
    assert passed.exit_code == 0, passed.output
    assert "✔ softmax" in passed.output and "Tous les tests publics passent" in passed.output
    failed = runner.invoke(app, ["check", "day2", str(paths.stub_notebook("day2"))])
    assert failed.exit_code == 1
    assert "non implémentée" in failed.output


def test_two_stores_in_one_folder_keep_their_reports_apart(tmp_path: Path) -> None:
    from tpgrade.commands.app import reports_folder
    from tpgrade.reports.summary import intake_notes_path

    first, second = tmp_path / "tpgrade.sqlite", tmp_path / "groupe_b.sqlite"
    assert reports_folder(first, "day2") != reports_folder(second, "day2")
    assert intake_notes_path(first, "day2") != intake_notes_path(second, "day2")


@pytest.mark.slow
@pytest.mark.sandbox
def test_the_demo_writes_its_reports_once_and_says_how_to_render_them_again(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    outcome = runner.invoke(app, ["demo", "--out", str(folder), "--sandbox", "process"])
    assert outcome.exit_code == 0, outcome.output
    command = f"tpgrade report day2 --store {folder / 'tpgrade.sqlite'}"
    assert command in outcome.output.replace("\n", "")
    assert [p.relative_to(folder).as_posix() for p in folder.rglob("results_day2.json")] == [
        "reports/day2/results_day2.json"
    ]
    again = runner.invoke(app, command.split()[1:])
    assert again.exit_code == 0, again.output


def test_an_unusable_store_or_output_folder_is_one_line_with_its_exit_code(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    submission = tmp_path / "alice.py"
    submission.write_text("def softmax(z):\n    return z\n", encoding="utf-8")
    graded = runner.invoke(
        app, ["grade", "day2", str(submission), "--store", str(blocker / "tpgrade.sqlite")]
    )
    assert graded.exit_code == 5 and str(blocker) in graded.output
    assert len(graded.output.strip().splitlines()) == 1 and "Traceback" not in graded.output
    store = tmp_path / "tpgrade.sqlite"
    runner.invoke(app, ["grade", "day2", str(submission), "--store", str(store), "--sandbox", "none",
                        "--allow-unsandboxed"])  # fmt: skip
    report = runner.invoke(app, ["report", "day2", "--store", str(store), "--out", str(blocker)])
    assert report.exit_code == 3 and str(blocker) in report.output and "Traceback" not in report.output


def test_a_missing_store_is_the_store_s_exit_code_not_a_failed_check(tmp_path: Path) -> None:
    for command in (["report", "day2"], ["adjust", "day2", "ana", "softmax", "1"]):
        outcome = runner.invoke(app, [*command, "--store", str(tmp_path / "nowhere" / "x.sqlite")])
        assert outcome.exit_code == 5, (command, outcome.output)
        assert "no results store" in outcome.output
