"""Finding one file to grade per student in what an instructor hands in.

Accepted: files (the student id is the file name), a folder of files, a
folder of per-student folders, and a Moodle "download all submissions" zip
(folders named ``Full Name_12345_assignsubmission_file_``), or a folder
where such a zip was unpacked. The rules:

- in a student's folder, a notebook is preferred to a ``.py``, then a name
  like the stub's (``tp_day2``), then the most recently modified; the
  others are listed;
- two submissions of one student (two files, two folders): the most
  recently modified is graded, the other is rejected with the reason;
- zip entries with an absolute path, ``..``, a link, or that would expand
  beyond the size caps (zip bombs) are not extracted, and said so.
"""

from __future__ import annotations

import os
import re
import stat
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tpgrade.errors import InputError
from tpgrade.submission import student_id

GRADABLE = (".ipynb", ".py")
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_?$")
MAX_ENTRY_BYTES = 20 << 20  # larger than any notebook we grade (submission.MAX_BYTES)
MAX_ZIP_BYTES = 4 << 30
MAX_ZIP_ENTRIES = 100_000
MAX_RATIO = 200  # uncompressed / compressed, beyond which an entry is treated as a bomb


@dataclass(frozen=True)
class Candidate:
    """One file to grade for one student."""

    student: str
    path: Path


@dataclass
class Intake:
    """What was found: one candidate per student, the rejected ones, notes for the instructor."""

    candidates: list[Candidate] = field(default_factory=list)
    rejected: list[tuple[Candidate, str]] = field(default_factory=list)  # message in French, for the student
    duplicates: list[tuple[Candidate, str]] = field(default_factory=list)  # another file of a graded student
    notes: list[str] = field(default_factory=list)
    not_extracted: dict[Path, str] = field(default_factory=dict)  # folder -> why its file stayed in the zip


def slug(text: str) -> str:
    """An ASCII, file-name-safe form of a name: "Élodie Dupré" -> "Elodie_Dupre"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9.-]+", "_", ascii_text).strip("_.") or "anonyme"


def moodle_student(folder_name: str) -> str | None:
    """``Full Name_12345_assignsubmission_file_`` -> ``Full_Name_12345``; None for other names."""
    match = MOODLE_FOLDER.match(folder_name)
    return f"{slug(match['name'])}_{match['id']}" if match else None


def moodle_participant(student: str) -> str | None:
    """The Moodle participant id at the end of a student id built by :func:`moodle_student`."""
    match = re.search(r"_(\d+)$", student)
    return match[1] if match else None


def _visible(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return not any(part.startswith(".") or part in IGNORED_PARTS for part in parts)


def _gradable_files(folder: Path, kinds: tuple[str, ...]) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink() and p.suffix.lower() in kinds and _visible(p, folder)
    )


def _nothing_of(kinds: tuple[str, ...]) -> str:
    if kinds == GRADABLE:
        return "aucun notebook .ipynb ni fichier .py"
    return f"aucun fichier {' ni '.join(kinds)}"


def _from_student_folder(
    student: str, folder: Path, intake: Intake, preferred: str, kinds: tuple[str, ...]
) -> None:
    files = _gradable_files(folder, kinds)
    if not files and folder in intake.not_extracted:
        message = f"fichier laissé dans l'archive : {intake.not_extracted[folder]}"
        intake.rejected.append((Candidate(student, folder), message))
        return
    if not files:
        others = sorted(p.name for p in folder.rglob("*") if p.is_file())[:5]
        found = f" (trouvé : {', '.join(others)})" if others else ""
        intake.rejected.append((Candidate(student, folder), f"{_nothing_of(kinds)} dans le dépôt{found}"))
        return

    def rank(path: Path) -> tuple[bool, bool, float, str]:
        return (
            path.suffix.lower() == ".ipynb",
            preferred in path.stem.lower(),
            path.stat().st_mtime,
            path.name,
        )

    ranked = sorted(files, key=rank, reverse=True)
    chosen = ranked[0]
    intake.candidates.append(Candidate(student, chosen))
    if len(ranked) > 1:
        intake.notes.append(
            f"{student}: {len(ranked)} candidate files, graded {chosen.relative_to(folder)} "
            f"(notebooks first, then names with {preferred!r}, then the most recent); not graded: "
            + ", ".join(str(p.relative_to(folder)) for p in ranked[1:])
        )


def _from_folder(folder: Path, intake: Intake, preferred: str, kinds: tuple[str, ...]) -> None:
    entries = sorted(p for p in folder.iterdir() if _visible(p, folder) and not p.is_symlink())
    for entry in entries:
        if entry.is_dir():
            student = moodle_student(entry.name) or slug(entry.name)
            _from_student_folder(student, entry, intake, preferred, kinds)
        elif entry.is_file():
            intake.candidates.append(Candidate(student_id(entry), entry))
    for link in sorted(p for p in folder.iterdir() if p.is_symlink()):
        intake.notes.append(f"{link.name}: a symbolic link, not followed")


def _leaves_folder(info: zipfile.ZipInfo) -> str | None:
    name = PurePosixPath(info.filename.replace("\\", "/"))
    if name.is_absolute() or re.match(r"^[A-Za-z]:", info.filename):
        return "absolute path"
    if ".." in name.parts:
        return "path leaving the folder (..)"
    return None


def _unsafe_content(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    """Why an entry is not extracted, for the instructor and (in French) for the student."""
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic link", "c'est un lien symbolique"
    if info.file_size > MAX_ENTRY_BYTES:
        return f"too large once extracted ({info.file_size / 1e6:.0f} MB)", "fichier trop volumineux"
    if info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return "compression ratio of a zip bomb", "taux de compression anormal (bombe zip)"
    return None


def extract_zip(archive: Path, target: Path, intake: Intake) -> Path:
    """Extract the safe entries of ``archive`` under ``target``; the unsafe are listed in the notes."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            infos = bundle.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise InputError(
                    f"{archive}: {len(infos)} entries, more than {MAX_ZIP_ENTRIES}: not a cohort"
                )
            total = 0
            for info in infos:
                if info.is_dir():
                    continue
                outside = _leaves_folder(info)
                if outside is not None:
                    intake.notes.append(f"{archive.name}: entry {info.filename!r} not extracted ({outside})")
                    continue
                destination = target.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
                unsafe = _unsafe_content(info)
                if unsafe is None and total + info.file_size > MAX_ZIP_BYTES:
                    unsafe = ("the archive expands beyond 4 GB", "archive trop volumineuse")
                if unsafe is not None:
                    intake.notes.append(
                        f"{archive.name}: entry {info.filename!r} not extracted ({unsafe[0]})"
                    )
                    if (
                        len(destination.relative_to(target).parts) > 1
                    ):  # a student's folder: say why it is empty
                        student_folder = target / destination.relative_to(target).parts[0]
                        student_folder.mkdir(parents=True, exist_ok=True)
                        intake.not_extracted[student_folder] = unsafe[1]
                    continue
                total += info.file_size
                destination.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(info) as source, destination.open("wb") as sink:
                    # Read at most the declared size plus one byte: a lying header cannot inflate more.
                    data = source.read(info.file_size + 1)
                    if len(data) > info.file_size:
                        raise zipfile.BadZipFile(f"entry {info.filename!r} is larger than declared")
                    sink.write(data)
                stamp = time.mktime((*info.date_time, 0, 0, -1))
                os.utime(destination, (stamp, stamp))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise InputError(f"{archive}: not a readable zip archive ({exc})") from None
    return target


def gather(
    paths: list[Path], scratch: Path, preferred: str = "tp_", kinds: tuple[str, ...] = GRADABLE
) -> Intake:
    """One candidate file per student from files, folders and zips; zips extract under ``scratch``.

    ``preferred``: in a student's folder, names containing it come first (the
    stub's name, ``tp_day2``), after notebooks and before the most recent.
    ``kinds``: the file suffixes looked for in a student's folder.
    """
    intake = Intake()
    for index, path in enumerate(paths):
        if path.is_symlink() and not path.exists():
            raise InputError(f"{path}: a broken symbolic link")
        if path.is_dir():
            _from_folder(path, intake, preferred, kinds)
        elif path.is_file() and zipfile.is_zipfile(path) and path.suffix.lower() == ".zip":
            extracted = extract_zip(path, scratch / f"{index}-{slug(path.stem)}", intake)
            _from_folder(extracted, intake, preferred, kinds)
        elif path.is_file():
            intake.candidates.append(Candidate(student_id(path), path))
        else:
            raise InputError(f"{path}: no such file or folder")
    if not intake.candidates and not intake.rejected:
        raise InputError("nothing to grade: the folders given contain no file")
    _one_per_student(intake)
    return intake


def from_files(files: list[Path]) -> Intake:
    """Plain files, one per student (id = file name), under the same one-per-student rule."""
    intake = Intake(candidates=[Candidate(student_id(path), path) for path in files])
    _one_per_student(intake)
    return intake


def _one_per_student(intake: Intake) -> None:
    by_student: dict[str, list[Candidate]] = {}
    for candidate in intake.candidates:
        by_student.setdefault(candidate.student, []).append(candidate)
    kept: list[Candidate] = []
    for student, candidates in by_student.items():
        candidates.sort(key=lambda c: (c.path.stat().st_mtime, c.path.name), reverse=True)
        kept.append(candidates[0])
        for other in candidates[1:]:
            message = (
                f"autre dépôt du même étudiant : seul {candidates[0].path.name} (le plus récent) est noté"
            )
            intake.duplicates.append((other, message))
            intake.notes.append(
                f"{student}: two submissions, graded {candidates[0].path.name}, not {other.path.name}"
            )
    intake.candidates = sorted(kept, key=lambda c: c.student)
