"""Who a submission belongs to: student ids, and the file names made from them.

Two different names are two different students. An id is the name as it was
handed in, normalised to Unicode NFC (the same name typed with combining
accents or precomposed is one name) and otherwise kept as it is: accents,
case, spaces and punctuation included.

- a file: its name without the suffix (``carol .ipynb`` -> ``carol ``);
- a folder: its name;
- a Moodle folder ``Full Name_12345_assignsubmission_file_``: ``Full Name/12345``.
  No file or folder name holds a ``/``, so a Moodle id is never the id of
  another kind of input. The participant number, which Moodle matches on,
  travels beside the id (:attr:`Identity.participant`, then the result's
  ``participant`` field): it is never parsed back from an id;
- a name whose bytes are not UTF-8: those bytes written ``\\xNN``.

Two inputs are one student when they have the same :attr:`Identity.key`:
the same name (the same id from a file or folder), or, for Moodle folders,
the same participant number. Inputs of different keys that would give the
same id (a name that is literally ``caf\\xe9`` next to an undecodable one)
are a clash, which the intake reports and never resolves.

:func:`file_name` turns an id into a file name injectively, also on file
systems that ignore case, and safe on every usual system.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>[0-9]+)_assignsubmission_[a-z]+_?$")
_KEPT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
MAX_NAME = 200  # bytes, before the extension a report adds
_KEEP_WHEN_LONG = 150


@dataclass(frozen=True)
class Identity:
    """A student id and what makes two inputs the same student."""

    student: str
    key: tuple[str, str]  # ("name", id), ("bytes", id) or ("moodle", participant number)

    @property
    def participant(self) -> str:
        return participant_of(self.key)


def participant_of(key: tuple[str, str]) -> str:
    """The Moodle participant number of an identity key, "" for a student who did not come from Moodle."""
    return key[1] if key[0] == "moodle" else ""


def _text(name: str) -> tuple[str, bool]:
    """Valid Unicode for a name from the file system; True when some bytes were not UTF-8."""
    if not any("\ud800" <= ch <= "\udfff" for ch in name):
        return unicodedata.normalize("NFC", name), False
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogatepass")
    return unicodedata.normalize("NFC", raw.decode("utf-8", "backslashreplace")), True


def of_name(name: str) -> Identity:
    """The identity of a plain file's stem or of a folder that is not a Moodle folder."""
    text, undecodable = _text(name)
    return Identity(text, ("bytes" if undecodable else "name", text))


def of_file(path: Path) -> Identity:
    """A file handed in on its own: its stem (the whole name if it has none)."""
    return of_name(path.stem or path.name)


def of_moodle(folder_name: str) -> Identity | None:
    """``Full Name_12345_assignsubmission_file_`` -> ``Full Name/12345``; None for other names."""
    match = MOODLE_FOLDER.match(folder_name)
    if match is None:
        return None
    participant = str(int(match["id"]))
    name, _ = _text(match["name"])
    return Identity(f"{name}/{participant}", ("moodle", participant))


def of_folder(folder_name: str) -> Identity:
    return of_moodle(folder_name) or of_name(folder_name)


def moodle_name(student: str, participant: str) -> str:
    """The full name of a student from Moodle (``Full Name/N`` -> ``Full Name``), the id otherwise."""
    suffix = f"/{participant}"
    return student.removesuffix(suffix) if participant and student.endswith(suffix) else student


def _escaped(text: str) -> str:
    """Percent-encoding (lower-case hex) of everything but ``[A-Za-z0-9_.-]``: reversible."""
    parts = []
    for ch in text:
        if ch in _KEPT:
            parts.append(ch)
        else:
            parts.extend(f"%{byte:02x}" for byte in ch.encode("utf-8", "surrogatepass"))
    body = "".join(parts)
    if body.startswith("."):  # hidden files, "." and ".."
        body = "%2e" + body[1:]
    if body.endswith("."):  # Windows drops a trailing dot
        body = body[:-1] + "%2e"
    if body.split(".", 1)[0].lower() in _WINDOWS_RESERVED:
        body = f"%{ord(body[0]):02x}" + body[1:]
    return body


def file_name(student: str) -> str:
    """A file name (no extension) for ``student``: two ids never get the same one.

    The id is percent-encoded, which can be undone, so distinct ids give
    distinct names. Where it holds capitals, ``~`` and the hexadecimal mask of
    which of its letters are capitals follow (``Alice`` -> ``Alice~1``), so that
    names differing only by case stay distinct where the file system ignores
    case. A name longer than 200 bytes keeps its first 150 and ends with
    ``~h`` and 40 hex digits of the SHA-256 of the exact id. ``~`` is always
    encoded inside the body, so these forms cannot meet.
    """
    if not student:
        return "%empty"  # "%em" is not an escape: no other id gives it
    body = _escaped(student)
    letters = [ch for ch in body if ch.isascii() and ch.isalpha()]
    mask = sum(1 << index for index, ch in enumerate(letters) if ch.isupper())
    name = f"{body}~{mask:x}" if mask else body
    if len(name) <= MAX_NAME:
        return name
    cut = _KEEP_WHEN_LONG
    while "%" in body[cut - 2 : cut]:  # do not cut an escape in two
        cut -= 1
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{body[:cut]}~h{digest}"
