"""One student is never graded in another's place: ids keep names apart, file names made from
ids never collide, and student text reaches the terminal escaped."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tpgrade import paths
from tpgrade.cohort.intake import gather
from tpgrade.commands.app import app
from tpgrade.commands.grading import RunOptions, SandboxRequest, run_grading
from tpgrade.display import shown, shown_id
from tpgrade.identity import MAX_NAME, file_name, of_file, of_folder, of_name
from tpgrade.models import SubmissionResult
from tpgrade.reports import write_reports

SUFFIX = "_assignsubmission_file_"
HOSTILE = "\x1b[2J\u202eeve"  # clears the screen, then shows the rest reversed


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def older(path: Path, seconds: float = 3600) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


# --- ids --------------------------------------------------------------------------------------


def test_ids_keep_accents_case_punctuation_and_spaces_apart() -> None:
    names = [
        "Alice",
        "Alicé",
        "alice",
        "ALICE",
        "alice_",
        "alice.",
        "alice ",
        " alice",
        "a lice",
        "a-lice",
        "al'ice",
    ]
    assert len({of_name(n).student for n in names}) == len(names)
    assert len({of_name(n).key for n in names}) == len(names)
    assert of_file(Path("carol .ipynb")).student == "carol " != of_file(Path("carol.py")).student


def test_combining_and_precomposed_accents_are_one_name() -> None:
    assert nfd("Alicé") != "Alicé"
    assert of_name(nfd("Alicé")) == of_name("Alicé")
    assert of_folder(nfd(f"Élodie Dupré_1040{SUFFIX}")) == of_folder(f"Élodie Dupré_1040{SUFFIX}")


def test_moodle_ids_keep_the_name_and_only_they_have_a_participant() -> None:
    moodle = of_folder(f"Élodie Dupré_1040{SUFFIX}")
    assert moodle.student == "Élodie Dupré/1040" and moodle.key == ("moodle", "1040")
    assert of_folder("Jean-Luc O'Neil_77_assignsubmission_onlinetext_").student == "Jean-Luc O'Neil/77"
    assert moodle.participant == "1040"
    # A plain file that merely ends in digits is nobody's Moodle participant.
    assert of_file(Path("carol_2.py")).participant == ""
    assert of_name("dan/7").participant == ""  # an id that looks like a Moodle one is not one
    assert of_folder("Bob_7").key == ("name", "Bob_7")
    assert of_folder(f"Zed_\u0661\u0662{SUFFIX}").key[0] == "name"  # Arabic-Indic digits: not Moodle's


# --- the intake -------------------------------------------------------------------------------


def test_a_later_folder_alice_accent_is_its_own_student(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / "Alice.py").write_text("x = 'alice'\n")
    older(cohort / "Alice.py")
    (cohort / "Alicé").mkdir()
    (cohort / "Alicé" / "tp_day2.py").write_text("x = 'alicé'\n")  # handed in later
    intake = gather([cohort], tmp_path / "scratch")
    assert {c.student: c.path.read_text() for c in intake.candidates} == {
        "Alice": "x = 'alice'\n",
        "Alicé": "x = 'alicé'\n",
    }
    assert intake.duplicates == [] and intake.rejected == []


def test_carol_space_notebook_and_carol_py_are_two_students(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / "carol.py").write_text("x = 1\n")
    older(cohort / "carol.py")
    (cohort / "carol .ipynb").write_text("{}")
    intake = gather([cohort], tmp_path / "scratch")
    assert {c.student: c.path.name for c in intake.candidates} == {
        "carol": "carol.py",
        "carol ": "carol .ipynb",
    }
    assert intake.duplicates == []


def test_the_same_name_typed_two_ways_is_one_student_and_both_files_are_named(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / "Alicé.py").write_text("x = 'old'\n")
    older(cohort / "Alicé.py")
    (cohort / f"{nfd('Alicé')}.ipynb").write_text("{}")
    intake = gather([cohort], tmp_path / "scratch")
    [graded] = intake.candidates
    assert graded.student == "Alicé" and graded.path.suffix == ".ipynb"  # the newer
    [(other, message)] = intake.duplicates
    assert other.path.name == "Alicé.py"
    assert "Alicé.py" in message and nfd("Alicé") in message
    [note] = [n for n in intake.notes if "submissions of one student" in n]
    assert "cohort/Alicé.py" in note and f"cohort/{nfd('Alicé')}.ipynb" in note


def test_one_students_two_files_the_newest_is_graded(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / "alice.ipynb").write_text("{}")
    older(cohort / "alice.ipynb")
    (cohort / "alice.py").write_text("x = 1\n")
    intake = gather([cohort], tmp_path / "scratch")
    assert [(c.student, c.path.name) for c in intake.candidates] == [("alice", "alice.py")]
    [(other, message)] = intake.duplicates
    assert other.path.name == "alice.ipynb" and "alice.py" in message and "alice.ipynb" in message


def test_a_moodle_zip_and_a_folder_of_the_same_participant(tmp_path: Path) -> None:
    archive = tmp_path / "cohort.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        info = zipfile.ZipInfo(f"Alice Martin_12{SUFFIX}/tp_day2.py", date_time=(2026, 11, 20, 10, 0, 0))
        bundle.writestr(info, "x = 'zip'\n")
        bundle.writestr(
            zipfile.ZipInfo(f"Bob_13{SUFFIX}/tp_day2.py", date_time=(2026, 11, 20, 10, 0, 0)), "x = 2\n"
        )
    late = tmp_path / "late" / f"Alice Martín_12{SUFFIX}"  # renamed in Moodle since: same participant
    late.mkdir(parents=True)
    (late / "tp_day2.py").write_text("x = 'late'\n")
    intake = gather([archive, tmp_path / "late"], tmp_path / "scratch")
    by_participant = {c.participant: c for c in intake.candidates}
    assert sorted(by_participant) == ["12", "13"]
    assert by_participant["12"].path.read_text() == "x = 'late'\n"
    [(other, message)] = intake.duplicates
    assert other.path.read_text() == "x = 'zip'\n"
    assert f"late/Alice Martín_12{SUFFIX}/tp_day2.py" in message
    assert f"cohort.zip:Alice Martin_12{SUFFIX}/tp_day2.py" in message
    assert any("participant 12" in note and "cohort.zip:" in note for note in intake.notes)


def test_one_participant_gets_one_result_and_a_folder_given_twice_is_read_once(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    (cohort / f"Eve_5{SUFFIX}").mkdir(parents=True)
    (cohort / f"Eve_5{SUFFIX}" / "rapport.pdf").write_bytes(b"%PDF")
    (cohort / "Eve_5_assignsubmission_onlinetext_").mkdir()
    (cohort / "Eve_5_assignsubmission_onlinetext_" / "tp_day2.py").write_text("x = 1\n")
    intake = gather([cohort, cohort], tmp_path / "scratch")
    assert [c.student for c in intake.candidates] == ["Eve/5"] and intake.rejected == []
    [(other, message)] = intake.duplicates
    assert other.path.name == f"Eve_5{SUFFIX}" and "onlinetext" in message and "aucun notebook" in message


def test_different_names_that_still_give_one_id_are_refused_and_reported(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    raw = os.fsencode(cohort) + b"/caf\xe9.py"  # Latin-1 bytes, not UTF-8
    try:
        with open(raw, "wb") as stream:
            stream.write(b"x = 1\n")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    (cohort / "caf\\xe9.py").write_text("x = 2\n")  # literally a backslash, x, e, 9
    (cohort / "dora.py").write_text("x = 3\n")
    intake = gather([cohort], tmp_path / "scratch")
    assert [c.student for c in intake.candidates] == ["dora"]  # neither clashing file is graded
    [(first, message)] = intake.rejected
    [(second, same)] = intake.duplicates
    assert same == message and "conflit d'identité" in message
    assert {first.path.read_text(), second.path.read_text()} == {"x = 1\n", "x = 2\n"}
    [note] = [n for n in intake.notes if "none graded" in n]
    assert note.count("cohort/caf") == 2
    json.dumps([c.student for c, _ in intake.rejected]).encode()  # ids are valid Unicode
    first.student.encode("utf-8")


# --- file names -------------------------------------------------------------------------------

ALPHABET = "aAbBzZ09._- %~/\\:*?<>|\"'éÉ\u0301\x00\x1b\u202e\u200dß日"
RESERVED = ["con", "CON", "nul.txt", "Aux", "lpt1", "com9.md", "prn", ".", "..", "...", "", " "]


def generated_ids(count: int, seed: int) -> set[str]:
    rng = random.Random(seed)
    ids = set(RESERVED)
    for _ in range(count):
        length = rng.choice([1, 2, 3, 5, 8, 40, 199, 201, 260])
        ids.add("".join(rng.choice(ALPHABET) for _ in range(length)))
    for known in ["alice", "alice_", "Alice", "alicé", "alice ", "Élodie Dupré/1040", "a%41", "aA", "Aa"]:
        ids.add(known)
    for each in list(ids):  # every case variant too
        ids.update({each.upper(), each.lower(), each.swapcase(), each + " ", each + "."})
    return ids


def test_file_names_are_injective_safe_and_case_insensitively_distinct() -> None:
    ids = generated_ids(4000, seed=11)
    names = {student: file_name(student) for student in ids}
    assert len(set(names.values())) == len(ids)
    assert len({name.lower() for name in names.values()}) == len(ids)  # also where case is ignored
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-%~")
    reserved = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
    for student, name in names.items():
        assert name and set(name) <= allowed, (student, name)
        assert len(name.encode()) <= MAX_NAME
        assert not name.startswith(".") and not name.endswith(".") and name not in (".", "..")
        assert name.split(".", 1)[0].lower() not in reserved, (student, name)
        body = name.split("~", 1)[0]
        if "~h" not in name and student:  # short names decode back to the exact id
            assert unquote_to_bytes(body) == student.encode("utf-8", "surrogatepass")


def test_plain_ids_keep_readable_file_names() -> None:
    assert file_name("alice") == "alice" and file_name("etudiant_00") == "etudiant_00"
    assert file_name("alice_") == "alice_" and file_name("Alice") == "Alice~1"
    assert file_name("Élodie Dupré/1040") == "%c3%89lodie%20Dupr%c3%a9%2f1040~40"  # the 7th letter, D
    assert file_name("con") == "%63on" and file_name(".") == "%2e" and file_name("") == "%empty"


def graded(student: str, score: int) -> SubmissionResult:
    return SubmissionResult(
        student=student, day="day2", status="graded", score=score, max_score=100, message=f"marque-{score}"
    )


def test_reports_of_lookalike_ids_each_go_to_their_own_files(tmp_path: Path) -> None:
    ids = [
        "alice",
        "alice_",
        "Alice",
        "ALICE",
        "alicé",
        nfd("alicé"),
        "alice ",
        "alice.",
        "a.lice",
        "a lice",
        "a/lice",
        "a%6cice",
        "con",
        ".",
        "..",
        "",
        "Élodie Dupré/1040",
        "Elodie Dupre/1040",
    ]
    results = [graded(student, score) for score, student in enumerate(ids, 1)]
    written = write_reports(results, tmp_path, "day2")
    pages = sorted(p.name for p in written.feedback_dir.iterdir())
    assert len(pages) == 2 * len(ids) and len({p.lower() for p in pages}) == len(pages)
    folders = sorted(p.name for p in written.gradescope_dir.iterdir())
    assert len(folders) == len(ids)
    for score, student in enumerate(ids, 1):
        name = file_name(student)
        assert f"Note : {score} / 100" in (written.feedback_dir / f"{name}.md").read_text(encoding="utf-8")
        assert f"Note : {score} / 100" in (written.feedback_dir / f"{name}.html").read_text(encoding="utf-8")
        gradescope = json.loads((written.gradescope_dir / name / "results.json").read_text(encoding="utf-8"))
        assert gradescope["score"] == score


# --- the terminal -----------------------------------------------------------------------------


def test_shown_escapes_controls_and_bidi_and_keeps_the_rest() -> None:
    assert shown(HOSTILE) == "\\x1b[2J\\u202eeve"
    assert (
        shown("a\nb\tc\x7f\x9b\u2066\u2069\u200e\u2028") == "a\\nb\\tc\\x7f\\x9b\\u2066\\u2069\\u200e\\u2028"
    )
    assert shown("Élodie \u200d 日本 ✔") == "Élodie \u200d 日本 ✔"
    assert shown("caf\udce9") == "caf\\udce9"
    assert shown_id("carol ") == "'carol '" and shown_id("carol") == "carol" and shown_id("") == "''"


def check_escaped(output: str, hostile: str = HOSTILE) -> None:
    assert "\x1b[2J" not in output and "\u202e" not in output
    assert shown(hostile) in output


def test_the_progress_line_and_notes_show_file_names_escaped(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / f"{HOSTILE}.py").write_text("")  # rejected (empty): nothing runs
    (cohort / f"{HOSTILE}.ipynb").write_text("")
    terminal = io.StringIO()
    err = Console(file=terminal, force_terminal=True, width=200)
    out = Console(file=io.StringIO(), width=200)
    run_grading(
        "day2", [cohort], SandboxRequest("none", True), RunOptions(tmp_path / "tpgrade.sqlite"), out, err
    )
    check_escaped(terminal.getvalue())
    assert f"Grading day2: {shown(HOSTILE)}" in terminal.getvalue()
    check_escaped(out.file.getvalue())  # type: ignore[attr-defined]
    notes = (tmp_path / "intake_day2.txt").read_text(encoding="utf-8")
    check_escaped(notes)


@pytest.mark.slow
@pytest.mark.sandbox
def test_grade_end_to_end_each_student_on_their_own_file_and_the_terminal_safe(
    tmp_path: Path, reference_source: str
) -> None:
    """Through ``tpgrade grade`` with the process sandbox: Alice/Alicé and carol/carol␠ each graded
    on their own file; a file name with escape codes does not reach the terminal raw."""
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / "Alice.py").write_text(reference_source)
    older(cohort / "Alice.py")
    (cohort / "Alicé").mkdir()
    shutil.copy(paths.stub_notebook("day2"), cohort / "Alicé" / "tp_day2.ipynb")  # later, the stub
    (cohort / "carol.py").write_text(reference_source)
    older(cohort / "carol.py")
    shutil.copy(paths.stub_notebook("day2"), cohort / "carol .ipynb")
    (cohort / f"{HOSTILE}[red]x.py").write_text("")
    out_json = tmp_path / "r.json"
    command = [
        sys.executable,
        "-m",
        "tpgrade",
        "grade",
        "day2",
        str(cohort),
        "--sandbox",
        "process",
        "--workers",
        "1",
        "--store",
        str(tmp_path / "s.sqlite"),
        "--json",
        str(out_json),
    ]
    env = {**os.environ, "COLUMNS": "250"}
    done = subprocess.run(command, capture_output=True, env=env, timeout=600, check=False)
    output = (done.stdout + done.stderr).decode("utf-8")
    assert done.returncode == 0, output
    by_student = {row["student"]: row for row in json.loads(out_json.read_text())["submissions"]}
    hostile_id = f"{HOSTILE}[red]x"
    assert set(by_student) == {"Alice", "Alicé", "carol", "carol ", hostile_id}
    for full in ("Alice", "carol"):
        assert (
            by_student[full]["status"] == "graded"
            and by_student[full]["score"] == by_student[full]["max_score"] > 0
        )
    for stub in ("Alicé", "carol "):
        assert by_student[stub]["status"] == "graded" and by_student[stub]["score"] == 0
    assert (
        by_student["Alice"]["source_name"] == "Alice.py"
        and by_student["Alicé"]["source_name"] == "tp_day2.ipynb"
    )
    assert by_student[hostile_id]["status"] == "rejected"
    assert "autre dépôt" not in output
    assert b"\x1b" not in done.stdout + done.stderr and "\u202e".encode() not in done.stdout + done.stderr
    assert shown(hostile_id) in done.stdout.decode()  # in the score table, markup shown as text
    assert "'carol '" in done.stdout.decode()  # the two carols told apart in the table


def test_similarity_prints_ids_escaped(tmp_path: Path, reference_source: str) -> None:
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / f"{HOSTILE}.py").write_text(reference_source)
    (cohort / "copie.py").write_text(reference_source)
    result = CliRunner().invoke(app, ["similarity", "day2", str(cohort), "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    check_escaped(result.output)


def test_exam_grade_and_review_print_student_text_escaped(tmp_path: Path) -> None:
    import yaml

    from tpgrade.cohort.sqlite_store import SqliteStore
    from tpgrade.exam.bank import load_bank
    from tpgrade.exam.grading import EXAM_DAY
    from tpgrade.exam.paper import load_paper, variant
    from tpgrade.exam.schema import ShortAnswer

    paper_dir = tmp_path / "paper"
    built = CliRunner().invoke(
        app, ["exam", "build", "--seed", "3", "--variants", "2", "--out", str(paper_dir)]
    )
    assert built.exit_code == 0, built.output
    bank = load_bank()
    paper = load_paper(paper_dir, bank)
    short = next(q for q in paper.questions if bank.questions[q].type == "short")
    sheet = yaml.safe_load((paper_dir / "variantes" / "feuille_01.yaml").read_text(encoding="utf-8"))
    question = bank.questions[short]
    assert isinstance(question, ShortAnswer)
    words = question.rubric[0].phrasings[0].split()
    sheet["reponses"][f"Q{variant(paper, bank, 1).position(short)}"] = (
        f"{HOSTILE} peut-être " + " ".join(words[: max(1, len(words) - 1)]) + ", je crois"
    )
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    (sheets / f"{HOSTILE}.yaml").write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    (sheets / f"{HOSTILE}-2.yaml").write_text("variante: [", encoding="utf-8")  # rejected, printed
    store = tmp_path / "store.sqlite"
    graded_run = CliRunner().invoke(
        app, ["exam", "grade", str(paper_dir), str(sheets), "--store", str(store)]
    )
    assert graded_run.exit_code == 0, graded_run.output
    check_escaped(graded_run.output, f"{HOSTILE}-2")
    pending = [q for r in SqliteStore(store).latest(EXAM_DAY) for q in r.questions.values() if q.needs_review]
    if not pending:
        pytest.fail(f"the hedged answer should wait for review: {graded_run.output}")
    reviewed = CliRunner().invoke(
        app,
        ["exam", "review", str(paper_dir), str(sheets), "--store", str(store)],
        input="s\n" * len(pending),
    )
    assert reviewed.exit_code == 0, reviewed.output
    check_escaped(reviewed.output)
    assert f"Réponse : {shown(HOSTILE)} peut-être" in reviewed.output


def test_a_run_without_intake_notes_writes_no_notes_file(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    stale = tmp_path / "intake_day2.txt"
    stale.write_text("note: a file of an earlier run\n", encoding="utf-8")
    (cohort / "alice.py").write_text("def softmax(z):\n    return z\n", encoding="utf-8")
    quiet = Console(file=io.StringIO(), width=200)
    run_grading(
        "day2", [cohort], SandboxRequest("none", True), RunOptions(tmp_path / "tpgrade.sqlite"), quiet, quiet
    )
    assert not stale.exists()
