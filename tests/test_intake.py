"""Intake: files, folders, per-student folders and a Moodle zip, with its awkward cases."""

from __future__ import annotations

import json
import stat
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tpgrade import paths
from tpgrade.cohort.intake import gather
from tpgrade.commands.app import app
from tpgrade.errors import InputError
from tpgrade.identity import of_folder

SUFFIX = "_assignsubmission_file_"


def test_moodle_folder_names_give_ids() -> None:
    assert of_folder(f"Élodie Dupré_1040{SUFFIX}").student == "Élodie Dupré/1040"
    assert of_folder("Jean-Luc O'Neil_77_assignsubmission_onlinetext_").student == "Jean-Luc O'Neil/77"
    assert of_folder("alice").student == "alice" and of_folder("alice").key == ("name", "alice")
    assert of_folder(f"Élodie Dupré_1040{SUFFIX}").participant == "1040"
    assert of_folder("Elodie_Dupre_1040").participant == ""  # a plain name, not a Moodle folder


def test_per_student_folders_prefer_notebooks_then_the_newest(tmp_path: Path) -> None:
    alice = tmp_path / "cohort" / f"Alice Martin_1{SUFFIX}"
    alice.mkdir(parents=True)
    (alice / "brouillon.py").write_text("x = 1\n")
    (alice / "tp.ipynb").write_text("{}")
    (alice / ".ipynb_checkpoints").mkdir()
    (alice / ".ipynb_checkpoints" / "tp-checkpoint.ipynb").write_text("{}")
    bob = tmp_path / "cohort" / f"Bob_2{SUFFIX}"
    bob.mkdir()
    (bob / "old.py").write_text("x = 1\n")
    (bob / "new.py").write_text("x = 2\n")
    past = time.time() - 3600
    import os

    os.utime(bob / "old.py", (past, past))
    intake = gather([tmp_path / "cohort"], tmp_path / "scratch")
    chosen = {c.student: c.path.name for c in intake.candidates}
    assert chosen == {"Alice Martin/1": "tp.ipynb", "Bob/2": "new.py"}
    assert any("Alice Martin/1: 2 candidate files" in note for note in intake.notes)


def test_a_folder_with_nothing_gradable_is_rejected_in_french(tmp_path: Path) -> None:
    folder = tmp_path / "cohort" / f"Carl_3{SUFFIX}"
    folder.mkdir(parents=True)
    (folder / "rapport.pdf").write_bytes(b"%PDF")
    intake = gather([tmp_path / "cohort"], tmp_path / "scratch")
    assert intake.candidates == []
    [(candidate, message)] = intake.rejected
    assert candidate.student == "Carl/3" and "aucun notebook" in message and "rapport.pdf" in message


def test_nothing_at_all_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="nothing to grade"):
        gather([tmp_path / "empty"], tmp_path / "scratch")
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputError):
        gather([tmp_path / "bad.zip", tmp_path / "missing"], tmp_path / "scratch")


def add(
    bundle: zipfile.ZipFile,
    name: str,
    data: bytes,
    when: tuple[int, int, int, int, int, int] = (2026, 11, 20, 10, 0, 0),
) -> None:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, data)


def moodle_zip(path: Path, reference: str) -> None:
    """40 students: 33 plain, and the awkward cases."""
    with zipfile.ZipFile(path, "w") as bundle:
        for index in range(33):
            add(
                bundle,
                f"Etudiant {index:02d}_{1000 + index}{SUFFIX}/tp_day2.py",
                f"# {index}\n{reference}".encode(),
            )
        folder = f"Élodie Dupré_1040{SUFFIX}"
        add(bundle, f"{folder}/tp_day2.py", reference.encode())
        add(
            bundle, f"{folder}/notes.py", b"x = 1\n", (2026, 11, 21, 10, 0, 0)
        )  # newer, but not named like the stub
        add(bundle, f"{folder}/.ipynb_checkpoints/tp_day2-checkpoint.py", b"raise SystemExit\n")
        nb = paths.stub_notebook("day2").read_bytes()
        add(bundle, f"Nina Notebook_1041{SUFFIX}/tp_day2.ipynb", nb)
        add(bundle, f"Nina Notebook_1041{SUFFIX}/tp_day2.py", reference.encode(), (2026, 11, 22, 10, 0, 0))
        add(bundle, f"Paul Pdf_1042{SUFFIX}/tp.pdf", b"%PDF-1.4")
        add(bundle, f"Twice Student_1043{SUFFIX}/tp_day2.py", b"# old\n" + reference.encode())
        add(
            bundle,
            "Twice Student_1043_assignsubmission_onlinetext_/tp_day2.py",
            b"# newer\n" + reference.encode(),
            (2026, 11, 22, 0, 0, 0),
        )
        add(bundle, f"Broken Json_1044{SUFFIX}/tp.ipynb", b'{"cells": [')
        add(bundle, f"Empty File_1045{SUFFIX}/tp_day2.py", b"")
        add(bundle, f"Stub Only_1046{SUFFIX}/tp_day2.ipynb", nb)
        add(bundle, "__MACOSX/._Etudiant 00_1000_assignsubmission_file_", b"\x00\x05")
        add(bundle, "/etc/tpgrade-evil.py", b"print('absolute')\n")
        add(bundle, "../tpgrade-escape.py", b"print('escape')\n")
        link = zipfile.ZipInfo(f"Lien Symbolique_1047{SUFFIX}/tp_day2.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(link, "/etc/passwd")
        add(bundle, f"Zip Bomb_1048{SUFFIX}/tp_day2.py", b"\x00" * (8 << 20))


@pytest.mark.slow
def test_a_moodle_zip_of_40_is_graded_with_the_right_ids_and_rejections(
    tmp_path: Path, reference_source: str
) -> None:
    archive = tmp_path / "download" / "cohort.zip"
    archive.parent.mkdir()
    moodle_zip(archive, reference_source)
    out = tmp_path / "r.json"
    args = ["grade", "day2", str(archive), "--store", str(tmp_path / "s.sqlite"), "--json", str(out)]
    result = CliRunner().invoke(app, [*args, "--sandbox", "process", "--workers", "2"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for fragment in (
        "'/etc/tpgrade-evil.py' not extracted (absolute path)",
        "'../tpgrade-escape.py' not extracted",
        "(symbolic link)",
        "(compression ratio of a zip bomb)",
        "Élodie Dupré/1040: 2 candidate files",
        "Twice Student/1043: 2 submissions of one student (participant 1043): graded cohort.zip:Twice Student_1043_assignsubmission_onlinetext_/tp_day2.py",
    ):
        assert fragment in text, fragment
    assert not Path("/etc/tpgrade-evil.py").exists() and not (tmp_path / "tpgrade-escape.py").exists()
    rows = json.loads(out.read_text())["submissions"]
    by_student: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_student.setdefault(str(row["student"]), []).append(row)
    expected_ids = {f"Etudiant {i:02d}/{1000 + i}" for i in range(33)} | {
        "Élodie Dupré/1040",
        "Nina Notebook/1041",
        "Paul Pdf/1042",
        "Twice Student/1043",
        "Broken Json/1044",
        "Empty File/1045",
        "Stub Only/1046",
        "Lien Symbolique/1047",
        "Zip Bomb/1048",
    }
    assert set(by_student) == expected_ids
    full = [
        s
        for s in expected_ids
        if any(r["status"] == "graded" and r["score"] == r["max_score"] for r in by_student[s])
    ]
    assert sorted(full) == sorted(
        {f"Etudiant {i:02d}/{1000 + i}" for i in range(33)} | {"Élodie Dupré/1040", "Twice Student/1043"}
    )
    # Nina's notebook (the stub) wins over her newer .py: notebooks first.
    nina = by_student["Nina Notebook/1041"]
    assert [r["status"] for r in nina] == ["graded"] and nina[0]["score"] == 0
    twice = sorted(str(r["status"]) for r in by_student["Twice Student/1043"])
    assert twice == ["graded", "rejected"]
    assert by_student["Paul Pdf/1042"][0]["status"] == "rejected"
    assert "aucun notebook" in str(by_student["Paul Pdf/1042"][0]["message"])
    assert by_student["Broken Json/1044"][0]["status"] == "rejected"
    assert by_student["Empty File/1045"][0]["status"] == "rejected"
    for skipped in ("Lien Symbolique/1047", "Zip Bomb/1048"):  # their only file was not extracted
        assert by_student[skipped][0]["status"] == "rejected"
        assert "laissé dans l'archive" in str(by_student[skipped][0]["message"])
    reports = tmp_path / "reports"
    rendered = CliRunner().invoke(
        app, ["report", "day2", "--store", str(tmp_path / "s.sqlite"), "--out", str(reports)]
    )
    assert rendered.exit_code == 0, rendered.output
    summary = (reports / "summary_day2.html").read_text()
    assert (
        "not extracted (absolute path)" in summary
        and "Twice Student/1043: 2 submissions of one student" in summary
    )
    moodle = (reports / "moodle_day2.csv").read_text()
    assert "Participant 1040,Élodie Dupré," in moodle and moodle.count("Participant 1043") == 1
