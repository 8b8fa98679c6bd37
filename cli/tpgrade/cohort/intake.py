"""Finding one file to grade per student in what an instructor hands in.

Accepted: files (the student id is the file name), a folder of files, a
folder of per-student folders, and a Moodle "download all submissions" zip
(folders named ``Full Name_12345_assignsubmission_file_``), or a folder
where such a zip was unpacked. Ids are made by :mod:`tpgrade.identity`:
distinct names stay distinct students. The rules:

- in a student's folder, a notebook is preferred to a ``.py``, then a name
  like the stub's (``tp_day2``), then the most recently modified; the
  others are listed;
- two submissions of one student (the same name, or Moodle folders of the
  same participant): the most recently modified is graded, the other is
  rejected, both named in the note and in the message;
- inputs of different students that would still get the same id (see
  :mod:`tpgrade.identity`) are a clash: none of them is graded, all are
  named;
- zip entries with an absolute path, ``..``, a link, or that would expand
  beyond the size caps (zip bombs) are not extracted, and said so.
"""

from __future__ import annotations

import os
import re
import stat
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

from tpgrade.errors import InputError
from tpgrade.identity import Identity, of_file, of_folder, participant_of

GRADABLE = (".ipynb", ".py")
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
MAX_ENTRY_BYTES = 20 << 20  # larger than any notebook we grade (submission.MAX_BYTES)
MAX_ZIP_BYTES = 4 << 30
MAX_ZIP_ENTRIES = 100_000
MAX_RATIO = 200  # uncompressed / compressed, beyond which an entry is treated as a bomb


@dataclass(frozen=True)
class Candidate:
    """One file to grade for one student."""

    student: str
    path: Path
    key: tuple[str, str] = ("", "")  # who the student is (:class:`tpgrade.identity.Identity`)
    origin: str = ""  # where it was found, for the instructor: "cohort.zip:Alice_1_.../tp.py"

    @classmethod
    def of(cls, identity: Identity, path: Path, origin: str) -> Candidate:
        return cls(identity.student, path, identity.key, origin)

    @property
    def label(self) -> str:
        return self.origin or self.path.name

    @property
    def participant(self) -> str:
        return participant_of(self.key)

    @property
    def who(self) -> tuple[str, str]:
        return self.key if self.key[0] else ("name", self.student)


@dataclass
class Intake:
    """What was found: one candidate per student, the rejected ones, notes for the instructor."""

    candidates: list[Candidate] = field(default_factory=list)
    rejected: list[tuple[Candidate, str]] = field(default_factory=list)  # message in French, for the student
    duplicates: list[tuple[Candidate, str]] = field(default_factory=list)  # another file of a graded student
    notes: list[str] = field(default_factory=list)
    not_extracted: dict[Path, str] = field(default_factory=dict)  # folder -> why its file stayed in the zip


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
    identity: Identity, folder: Path, where: str, intake: Intake, preferred: str, kinds: tuple[str, ...]
) -> None:
    student = identity.student
    files = _gradable_files(folder, kinds)
    if not files and folder in intake.not_extracted:
        message = f"fichier laissé dans l'archive : {intake.not_extracted[folder]}"
        intake.rejected.append((Candidate.of(identity, folder, where), message))
        return
    if not files:
        others = sorted(p.name for p in folder.rglob("*") if p.is_file())[:5]
        found = f" (trouvé : {', '.join(others)})" if others else ""
        message = f"{_nothing_of(kinds)} dans le dépôt{found}"
        intake.rejected.append((Candidate.of(identity, folder, where), message))
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
    intake.candidates.append(Candidate.of(identity, chosen, f"{where}/{chosen.relative_to(folder)}"))
    if len(ranked) > 1:
        intake.notes.append(
            f"{student}: {len(ranked)} candidate files, graded {chosen.relative_to(folder)} "
            f"(notebooks first, then names with {preferred!r}, then the most recent); not graded: "
            + ", ".join(str(p.relative_to(folder)) for p in ranked[1:])
        )


def _from_folder(folder: Path, where: str, intake: Intake, preferred: str, kinds: tuple[str, ...]) -> None:
    """``where``: how the instructor names ``folder`` ("cohort/", "cohort.zip:"), for the notes."""
    entries = sorted(p for p in folder.iterdir() if _visible(p, folder) and not p.is_symlink())
    for entry in entries:
        inside = f"{where}{entry.name}"
        if entry.is_dir():
            _from_student_folder(of_folder(entry.name), entry, inside, intake, preferred, kinds)
        elif entry.is_file():
            intake.candidates.append(Candidate.of(of_file(entry), entry, inside))
    for link in sorted(p for p in folder.iterdir() if p.is_symlink()):
        intake.notes.append(f"{where}{link.name}: a symbolic link, not followed")


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
                try:
                    _extract_entry(bundle, info, destination)
                except OSError as exc:  # a name that is a folder elsewhere in the zip, too long, ...
                    why = exc.strerror or type(exc).__name__
                    intake.notes.append(f"{archive.name}: entry {info.filename!r} not extracted ({why})")
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        EOFError,
        UnicodeDecodeError,  # an entry name flagged UTF-8 that is not
    ) as exc:
        raise InputError(f"{archive}: not a readable zip archive ({exc})") from None
    return target


def _extract_entry(bundle: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with bundle.open(info) as source, destination.open("wb") as sink:
        # Read at most the declared size plus one byte: a lying header cannot inflate more.
        data = source.read(info.file_size + 1)
        if len(data) > info.file_size:
            raise zipfile.BadZipFile(f"entry {info.filename!r} is larger than declared")
        sink.write(data)
    stamp = time.mktime((*info.date_time, 0, 0, -1))
    os.utime(destination, (stamp, stamp))


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
            _from_folder(path, f"{path.name or path}/", intake, preferred, kinds)
        elif path.is_file() and zipfile.is_zipfile(path) and path.suffix.lower() == ".zip":
            extracted = extract_zip(path, scratch / f"zip-{index}", intake)
            _from_folder(extracted, f"{path.name}:", intake, preferred, kinds)
        elif path.is_file():
            intake.candidates.append(Candidate.of(of_file(path), path, _given(path)))
        else:
            raise InputError(f"{path}: no such file or folder")
    if not intake.candidates and not intake.rejected:
        raise InputError("nothing to grade: the folders given contain no file")
    _one_per_student(intake, kinds)
    return intake


def _given(path: Path) -> str:
    """A file given on its own, named with its folder (no machine path in a student's message)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def from_files(files: list[Path]) -> Intake:
    """Plain files, one per student (id = file name), under the same one-per-student rule."""
    intake = Intake(candidates=[Candidate.of(of_file(path), path, _given(path)) for path in files])
    _one_per_student(intake, GRADABLE)
    return intake


def _one_per_student(intake: Intake, kinds: tuple[str, ...]) -> None:
    """One result per student: the newest candidate is graded, the others are named; clashes
    (different students, one id) are all refused."""
    seen: set[Path] = set()  # a folder given twice is read once
    intake.candidates = [c for c in intake.candidates if not _seen(c.path, seen)]
    intake.rejected = [(c, m) for c, m in intake.rejected if not _seen(c.path, seen)]
    keys_of_id: dict[str, set[tuple[str, str]]] = {}
    for candidate in [*intake.candidates, *(c for c, _ in intake.rejected)]:
        keys_of_id.setdefault(candidate.student, set()).add(candidate.who)
    clashing = {student for student, keys in keys_of_id.items() if len(keys) > 1}
    involved = [c for c in intake.candidates if c.student in clashing]
    involved += [c for c, _ in intake.rejected if c.student in clashing]
    candidates = [c for c in intake.candidates if c.student not in clashing]
    rejected = [(c, m) for c, m in intake.rejected if c.student not in clashing]
    intake.candidates = _newest_per_student(candidates, intake, kinds)
    intake.rejected = _rejected_once(rejected, {c.who: c for c in intake.candidates}, intake)
    for student in sorted(clashing):
        _refuse_clash(sorted((c for c in involved if c.student == student), key=lambda c: c.label), intake)


def _seen(path: Path, seen: set[Path]) -> bool:
    resolved = path.resolve()
    found = resolved in seen
    seen.add(resolved)
    return found


def _newest_per_student(
    candidates: list[Candidate], intake: Intake, kinds: tuple[str, ...]
) -> list[Candidate]:
    by_student: dict[tuple[str, str], list[Candidate]] = {}
    for candidate in candidates:
        by_student.setdefault(candidate.who, []).append(candidate)

    def newest(candidate: Candidate) -> tuple[bool, float, str]:
        return (candidate.path.suffix.lower() in kinds, candidate.path.stat().st_mtime, candidate.label)

    kept: list[Candidate] = []
    for who, group in by_student.items():
        group.sort(key=newest, reverse=True)
        chosen = group[0]
        kept.append(chosen)
        if len(group) == 1:
            continue
        why = f"participant {who[1]}" if who[0] == "moodle" else "the same name"
        intake.notes.append(
            f"{chosen.student}: {len(group)} submissions of one student ({why}): graded "
            f"{chosen.label} (the most recent), not " + ", ".join(c.label for c in group[1:])
        )
        for other in group[1:]:
            message = (
                f"autre dépôt du même étudiant : seul {chosen.label} (le plus récent) est noté, "
                f"pas {other.label}"
            )
            intake.duplicates.append((other, message))
    return sorted(kept, key=lambda c: (c.student, c.key))


def _rejected_once(
    rejected: list[tuple[Candidate, str]], graded: dict[tuple[str, str], Candidate], intake: Intake
) -> list[tuple[Candidate, str]]:
    """A student with a file to grade, or rejected once already, gets no other result."""
    kept: list[tuple[Candidate, str]] = []
    first: dict[tuple[str, str], Candidate] = {}
    for candidate, message in sorted(rejected, key=lambda item: item[0].label):
        chosen = graded.get(candidate.who) or first.get(candidate.who)
        if chosen is None:
            first[candidate.who] = candidate
            kept.append((candidate, message))
            continue
        intake.notes.append(
            f"{chosen.student}: {candidate.label} not graded ({message}); the student's result is "
            f"the one of {chosen.label}"
        )
        intake.duplicates.append(
            (candidate, f"autre dépôt du même étudiant : {chosen.label} compte, pas celui-ci ({message})")
        )
    return kept


def _refuse_clash(group: list[Candidate], intake: Intake) -> None:
    """Inputs of different students that give one id: none is graded, the instructor decides."""
    student = group[0].student
    files = ", ".join(c.label for c in group)
    intake.notes.append(
        f"{student}: {len(group)} submissions of different names give this id ({files}): "
        "none graded; rename them apart and grade again"
    )
    message = (
        f"conflit d'identité : {len(group)} dépôts donnent l'identifiant {student} ({files}) ; "
        "aucun n'est noté, l'enseignant doit trancher"
    )
    intake.rejected.append((group[0], message))
    intake.duplicates.extend((other, message) for other in group[1:])


class Stored(Protocol):
    """A submission kept in a database (:class:`tpgrade.cohort.postgres_store.Submission`)."""

    @property
    def student(self) -> str: ...

    def written(self, folder: Path) -> Path: ...


def stored_intake(stored: Iterable[Stored], scratch: Path) -> Intake:
    """Stored submissions as an intake: each file written in a folder of its own under ``scratch``."""
    candidates = []
    for index, submission in enumerate(stored):
        folder = scratch / str(index)
        folder.mkdir()
        candidates.append(Candidate(submission.student, submission.written(folder)))
    return Intake(candidates=candidates)
