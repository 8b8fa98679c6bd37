"""The Moodle round trip: the worksheet Moodle exports, filled in so that Moodle's offline
grading import takes it, and the feedback zip its file-feedback import takes.

The two checkers below follow the importers' rules (``importgradeslib.php``:
columns found by their exact names in the uploader's language, rows matched on
the participant number after "Participant", a grade Moodle's ``unformat_float``
reads in that language; ``importziplib.php``: a folder name split on ``_`` into
at most five parts, a numeric participant, then ``assignfeedback`` and
``file``, no hidden file)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import TypedDict

import pytest
from typer.testing import CliRunner

from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.commands.app import app
from tpgrade.errors import InputError
from tpgrade.models import QuestionResult, SubmissionResult
from tpgrade.reports.moodle import comment, fill_worksheet, parse_moodle_time, read_worksheet

runner = CliRunner()


class Language(TypedDict):
    """A Moodle worksheet in one interface language: its header, the columns read, its formats."""

    header: list[str]
    grade: str
    id: str
    modified: str
    decimal: str
    submitted: list[str]
    maximum: str


LANGUAGES: dict[str, Language] = {
    "fr": {
        "header": [
            "Identifiant",
            "Nom complet",
            "Adresse de courriel",
            "Statut",
            "Note",
            "Note maximale",
            "La note peut être modifiée",
            "Dernière modification (travail remis)",
            "Dernière modification (note)",
            "Feedback par commentaires",
        ],
        "grade": "Note",
        "id": "Identifiant",
        "modified": "Dernière modification (note)",
        "decimal": ",",
        "submitted": ["mercredi 2 décembre 2026, 10:15", "jeudi 3 décembre 2026, 09:30", "-"],
        "maximum": "21,00",
    },
    "en": {
        "header": [
            "Identifier",
            "Full name",
            "Email address",
            "Status",
            "Grade",
            "Maximum grade",
            "Grade can be changed",
            "Last modified (submission)",
            "Last modified (grade)",
            "Feedback comments",
        ],
        "grade": "Grade",
        "id": "Identifier",
        "modified": "Last modified (grade)",
        "decimal": ".",
        "submitted": ["Wednesday, 2 December 2026, 10:15 AM", "Thursday, 3 December 2026, 9:30 AM", "-"],
        "maximum": "21.00",
    },
}
STUDENTS = [("Ana Lima", 900101), ("Ben Okafor", 900102), ("Chloé Martin", 900103)]  # Chloé handed nothing in


def moodle_export(tmp_path: Path, language: str) -> Path:
    """A worksheet as Moodle writes it: UTF-8, comma separated, "Participant N", "-" dates."""
    spec = LANGUAGES[language]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(spec["header"])
    for (name, number), submitted in zip(STUDENTS, spec["submitted"], strict=True):
        writer.writerow(
            [
                f"Participant{number}",
                name,
                f"{number}@example.org",
                "-",
                "",
                spec["maximum"],
                "Oui",
                submitted,
                "-",
                "",
            ]
        )
    path = tmp_path / f"worksheet_{language}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def graded(student: str, score: float, participant: str = "") -> SubmissionResult:
    questions = {
        "softmax": QuestionResult(name="softmax", score=min(score, 1), max_score=1, status="passed"),
        "adam_step": QuestionResult(
            name="adam_step", score=score - min(score, 1), max_score=20, status="failed", message="écart"
        ),
    }
    return SubmissionResult(
        student=student,
        day="day2",
        status="graded",
        score=score,
        max_score=21,
        questions=questions,
        participant=participant,
    )


def cohort() -> list[SubmissionResult]:
    return [graded("Ana Lima/900101", 20.5, "900101"), graded("Ben Okafor/900102", 7.25, "900102")]


def moodle_offline_import(path: Path, language: str) -> dict[int, tuple[float | None, str, str]]:
    """participant -> (grade, last modified (grade), feedback), as Moodle's importer reads them."""
    spec = LANGUAGES[language]
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))  # 'comma', as Moodle parses it
    header = rows[0]
    grade, ident, modified = (
        header.index(spec["grade"]),
        header.index(spec["id"]),
        header.index(spec["modified"]),
    )
    feedback = header.index(spec["header"][-1])
    read: dict[int, tuple[float | None, str, str]] = {}
    for row in rows[1:]:
        participant = int(row[ident][len("Participant") :])
        text = row[grade].strip()
        value = float(text.replace(spec["decimal"], ".")) if text else None  # unformat_float
        read[participant] = (value, row[modified], row[feedback])
    return read


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_filled_worksheet_is_what_moodle_imports(tmp_path: Path, language: str) -> None:
    source = moodle_export(tmp_path, language)
    worksheet = read_worksheet(source)
    filled = fill_worksheet(worksheet, cohort(), tmp_path / "out.csv")
    assert (filled.filled, filled.untouched, filled.unmatched) == (2, 1, [])
    imported = moodle_offline_import(filled.worksheet, language)
    assert imported[900101][0] == 20.5 and imported[900102][0] == 7.25
    assert imported[900103] == (None, "-", "")  # no submission: left as it was
    assert all(modified == "-" for _, modified, _ in imported.values())  # dates kept
    assert "adam_step" in imported[900102][2] and "Note : 7,25 / 21" in imported[900102][2]
    before = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    after = list(csv.reader(io.StringIO(filled.worksheet.read_text(encoding="utf-8"))))
    assert after[0] == before[0] and len(after) == len(before)
    grade = before[0].index(LANGUAGES[language]["grade"])
    for old, new in zip(before[1:], after[1:], strict=True):
        assert [c for i, c in enumerate(old) if i not in (grade, len(old) - 1)] == [
            c for i, c in enumerate(new) if i not in (grade, len(new) - 1)
        ]
    assert after[2][grade] == ("7,25" if language == "fr" else "7.25")


def test_a_semicolon_worksheet_saved_by_a_spreadsheet_is_read_and_written_with_commas(tmp_path: Path) -> None:
    source = moodle_export(tmp_path, "fr")
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    source.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")
    filled = fill_worksheet(read_worksheet(source), cohort(), tmp_path / "out.csv")
    assert moodle_offline_import(filled.worksheet, "fr")[900101][0] == 20.5


def test_a_file_that_is_not_a_worksheet_or_of_another_cohort_is_one_clear_error(tmp_path: Path) -> None:
    other = tmp_path / "gradebook.csv"
    other.write_text("student,score\nana,3\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a Moodle grading worksheet"):
        read_worksheet(other)
    worksheet = read_worksheet(moodle_export(tmp_path, "en"))
    strangers = [graded("Zoé Zed/123", 3.0, "123"), graded("Yann/124", 4.0, "124")]
    with pytest.raises(InputError, match="none of the 2 graded students"):
        fill_worksheet(worksheet, strangers, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_moodle_dates_in_both_languages() -> None:
    from datetime import timedelta, timezone

    paris = timezone(timedelta(hours=1))
    for text in ("mercredi 2 décembre 2026, 22:15", "Wednesday, 2 December 2026, 10:15 PM"):
        when = parse_moodle_time(text, paris)
        assert when is not None and when.isoformat() == "2026-12-02T22:15:00+01:00", text
    assert parse_moodle_time("-", paris) is None
    assert parse_moodle_time("31 février 2026, 10:00", paris) is None


def test_the_comment_is_french_and_says_each_question() -> None:
    text = comment(graded("Ben/2", 7.25, "2"))
    assert text.startswith("Note : 7,25 / 21.") and "softmax 1/1" in text and "adam_step 6,25/20 (" in text


def moodle_zip_import(path: Path, participants: set[int]) -> dict[int, list[str]]:
    """participant -> the files Moodle's feedback-zip import would file for them."""
    found: dict[int, list[str]] = {}
    with zipfile.ZipFile(path) as archive:
        for entry in archive.namelist():
            if entry.endswith("/") or entry.rsplit("/", 1)[-1].startswith((".", "~")):
                continue
            parts = entry.split("/")
            while parts:
                info = parts.pop(0).split("_", 4)
                if len(info) < 4 or not info[1].isdigit() or int(info[1]) not in participants:
                    continue
                assert (info[2], info[3]) == ("assignfeedback", "file"), entry
                name = "/".join([info[4] if len(info) > 4 else "", *parts])  # Moodle's implode
                found.setdefault(int(info[1]), []).append(name.lstrip("/"))
                break
    return found


def test_report_fills_the_worksheet_and_writes_the_feedback_zip_moodle_takes(tmp_path: Path) -> None:
    store_path = tmp_path / "tpgrade.sqlite"
    store = SqliteStore(store_path)
    results = [*cohort(), graded("Dan_Le_Nom/900104", 3.0, "900104"), graded("plain-file", 1.0)]
    for result in results:
        store.save(result.model_copy(update={"submission_hash": result.student}))
    store.close()
    source = moodle_export(tmp_path, "fr")
    course = tmp_path / "course.toml"
    course.write_text(
        "[late.day2]\ndue = 2026-12-02T12:00:00+01:00\npenalty_per_day = 0.1\n", encoding="utf-8"
    )
    zip_path = tmp_path / "retours.zip"
    outcome = runner.invoke(
        app,
        [
            "report", "day2", "--store", str(store_path), "--course", str(course),
            "--moodle-worksheet", str(source), "--moodle-feedback-zip", str(zip_path),
        ],
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    filled = tmp_path / "reports" / "day2" / "moodle_worksheet_day2.csv"
    imported = moodle_offline_import(filled, "fr")
    assert imported[900101][0] == 20.5  # handed in on time by Moodle's clock
    assert imported[900102][0] == pytest.approx(7.25 - 2.1)  # a day late by Moodle's clock
    files = moodle_zip_import(zip_path, {900101, 900102, 900103, 900104})
    assert sorted(files) == [900101, 900102, 900104]
    assert all(names == ["retour_day2.html"] for names in files.values())
    with zipfile.ZipFile(zip_path) as archive:
        page = archive.read(next(n for n in archive.namelist() if "_900101_" in n)).decode("utf-8")
    assert "Ana Lima" in page and "20,5" in page
    assert "plain-file" in outcome.output  # not in the worksheet, not in the zip: said
