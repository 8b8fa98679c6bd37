"""Moodle's own files, filled in: the grading worksheet and the feedback-files zip.

Moodle's offline grading import (``mod/assign/feedback/offline``) finds its
columns by their names in the uploader's language and matches rows on the
"Participant N" identifier; it refuses a file without the identifier, grade
and "last modified (grade)" columns, and skips a row whose grade was changed
in Moodle after that date. So the worksheet the instructor downloaded is
read as it is and written back with the same columns, rows, identifiers and
dates; only the grade (in the file's decimal convention) and the feedback
comment of the students graded here change, comma-separated, in UTF-8.

Moodle's "upload multiple feedback files in a zip" (``mod/assign/feedback/file``)
reads each folder name as ``fullname_participant_plugintype_pluginname_``,
split on underscores: a full name may hold none, and the participant must be
a number Moodle knows.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from tpgrade.errors import InputError
from tpgrade.identity import file_name, moodle_name
from tpgrade.models import SubmissionResult
from tpgrade.reports.atomic import write_text
from tpgrade.statuses import question_label

# Each column Moodle names, in the languages known here (its language packs' strings).
COLUMNS: dict[str, tuple[str, ...]] = {
    "identifier": ("Identifier", "Identifiant"),
    "full_name": ("Full name", "Nom complet"),
    "grade": ("Grade", "Note"),
    "maximum": ("Maximum grade", "Note maximale"),
    "submitted": ("Last modified (submission)", "Dernière modification (travail remis)"),
    "graded": ("Last modified (grade)", "Dernière modification (note)"),
    "feedback": ("Feedback comments", "Feedback par commentaires"),
}
REQUIRED = ("identifier", "grade", "graded")  # without them Moodle refuses the file
_DOWNLOAD = "download it from the assignment: View all submissions > Download grading worksheet"
_PARTICIPANT = re.compile(r"(\d+)\s*$")
MAX_COMMENT = 1500


def _key(header: str) -> str:
    return unicodedata.normalize("NFC", header).strip().casefold()


_COLUMN_OF = {_key(name): column for column, names in COLUMNS.items() for name in names}


@dataclass
class Worksheet:
    """A grading worksheet as read: its header, rows and where Moodle's columns are."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    where: dict[str, int]
    comma_decimals: bool

    def participant(self, row: list[str]) -> str | None:
        match = _PARTICIPANT.search(row[self.where["identifier"]])
        return str(int(match.group(1))) if match else None


@dataclass
class Filled:
    worksheet: Path
    filled: int
    untouched: int
    unmatched: list[str] = field(default_factory=list)  # graded students with no row
    notes: list[str] = field(default_factory=list)


def read_worksheet(path: Path) -> Worksheet:
    """Read a worksheet downloaded from Moodle (comma, semicolon or tab separated)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; {_DOWNLOAD} (CSV, UTF-8)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the worksheet ({exc.strerror or exc})") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    table = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if row]
    if not table:
        raise InputError(f"{path}: the worksheet is empty; {_DOWNLOAD}")
    header = table[0]
    where: dict[str, int] = {}
    for index, name in enumerate(header):
        column = _COLUMN_OF.get(_key(name))
        if column is not None:
            where.setdefault(column, index)
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        wanted = "; ".join(" / ".join(f'"{n}"' for n in COLUMNS[c]) for c in missing)
        raise InputError(
            f"{path}: not a Moodle grading worksheet (no column {wanted}; languages known: English, French);"
            f" {_DOWNLOAD}"
        )
    rows = [row + [""] * (len(header) - len(row)) for row in table[1:]]
    numbers = [row[where[c]] for row in rows for c in ("maximum", "grade") if c in where]
    french = _key(header[where["grade"]]) == _key("Note")
    comma = any(re.fullmatch(r"-?\d+,\d+", n.strip()) for n in numbers) or (
        french and not any(re.fullmatch(r"-?\d+\.\d+", n.strip()) for n in numbers)
    )
    return Worksheet(path, header, rows, where, comma)


def _number(value: float, comma: bool) -> str:
    text = f"{value:.2f}"
    return text.replace(".", ",") if comma else text


def _points(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def comment(result: SubmissionResult) -> str:
    """A short French summary: the total, then each question's points and, when short, why."""
    if result.status != "graded":
        return f"Rendu refusé : {result.message}"[:MAX_COMMENT]
    parts = [f"Note : {_points(result.score)} / {_points(result.max_score)}."]
    if result.late_penalty:
        parts.append(f"Retard : {result.message}.")
    for name, question in result.questions.items():
        line = f"{name} {_points(question.score)}/{_points(question.max_score)}"
        if question.adjustment.startswith("ajusté"):
            line += " (ajusté par l'enseignant)"
        elif question.score < question.max_score:
            line += f" ({question_label(question.status)})"
        parts.append(line + ";")
    text = " ".join(parts).rstrip(";") + "."
    return text if len(text) <= MAX_COMMENT else text[: MAX_COMMENT - 1] + "…"


def _row_of(worksheet: Worksheet, result: SubmissionResult, by_participant: dict[str, int]) -> int | None:
    if result.participant:
        return by_participant.get(result.participant)
    if "full_name" not in worksheet.where:
        return None
    named = [
        i
        for i, row in enumerate(worksheet.rows)
        if _key(row[worksheet.where["full_name"]]) == _key(result.student)
    ]
    return named[0] if len(named) == 1 else None


def with_participants(worksheet: Worksheet, results: list[SubmissionResult]) -> list[SubmissionResult]:
    """``results`` given the participant number of their worksheet row, found by full name, where
    they came without one (handed in on the service rather than from Moodle's zip)."""
    numbered = []
    for result in results:
        found = None if result.participant else _row_of(worksheet, result, {})
        participant = worksheet.participant(worksheet.rows[found]) if found is not None else None
        numbered.append(result.model_copy(update={"participant": participant}) if participant else result)
    return numbered


def fill_worksheet(worksheet: Worksheet, results: list[SubmissionResult], out: Path) -> Filled:
    """Write ``out``: the worksheet with the grades and comments of ``results`` filled in."""
    by_participant: dict[str, int] = {}
    for index, row in enumerate(worksheet.rows):
        participant = worksheet.participant(row)
        if participant is not None:
            by_participant.setdefault(participant, index)
    rows = [list(row) for row in worksheet.rows]
    touched: set[int] = set()
    unmatched: list[str] = []
    for result in results:
        found = _row_of(worksheet, result, by_participant)
        if found is None:
            unmatched.append(result.student)
            continue
        touched.add(found)
        rows[found][worksheet.where["grade"]] = _number(result.score, worksheet.comma_decimals)
        if "feedback" in worksheet.where:
            rows[found][worksheet.where["feedback"]] = comment(result)
    if results and not touched:
        raise InputError(
            f"{worksheet.path}: none of the {len(results)} graded students is in this worksheet"
            " (no participant number or full name in common): is it the worksheet of this assignment?"
        )
    notes = []
    if "feedback" not in worksheet.where:
        notes.append(
            "the worksheet has no feedback comments column: grades only (enable the assignment's"
            " 'Feedback comments' to get one)"
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(worksheet.header)
    writer.writerows(rows)
    write_text(out, buffer.getvalue())
    return Filled(out, len(touched), len(rows) - len(touched), unmatched, notes)


# --- hand-in times ------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "janvier"),
            ("february", "fevrier"),
            ("march", "mars"),
            ("april", "avril"),
            ("may", "mai"),
            ("june", "juin"),
            ("july", "juillet"),
            ("august", "aout"),
            ("september", "septembre"),
            ("october", "octobre"),
            ("november", "novembre"),
            ("december", "decembre"),
        ],
        1,
    )
    for name in names
}
_MOODLE_TIME = re.compile(
    r"(?P<day>\d{1,2})\s+(?P<month>[a-z]+)\.?\s+(?P<year>\d{4}),?\s+(?P<hour>\d{1,2})[:h](?P<minute>\d{2})"
    r"(?:\s*(?P<half>am|pm))?"
)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_moodle_time(text: str, zone: tzinfo) -> datetime | None:
    """A date as Moodle writes it in a worksheet ("Monday, 2 December 2026, 10:15 AM",
    "mercredi 2 décembre 2026, 10:15"), in ``zone``; None for "-" or anything else."""
    match = _MOODLE_TIME.search(_plain(text))
    if match is None or match["month"] not in _MONTHS:
        return None
    hour = int(match["hour"])
    if match["half"] is not None:
        hour = hour % 12 + (12 if match["half"] == "pm" else 0)
    try:
        return datetime(
            int(match["year"]),
            _MONTHS[match["month"]],
            int(match["day"]),
            hour,
            int(match["minute"]),
            tzinfo=zone,
        )
    except ValueError:
        return None


def hand_in_times(
    worksheet: Worksheet, results: list[SubmissionResult], zone: tzinfo
) -> list[SubmissionResult]:
    """``results`` with their hand-in time taken from the worksheet's "last modified
    (submission)" column, where it has one for them (a copy or a re-zip changes a
    file's time, not Moodle's)."""
    if "submitted" not in worksheet.where:
        return results
    by_participant = {worksheet.participant(row): row for row in worksheet.rows}
    dated = []
    for result in results:
        row = by_participant.get(result.participant) if result.participant else None
        when = parse_moodle_time(row[worksheet.where["submitted"]], zone) if row is not None else None
        dated.append(
            result
            if when is None
            else result.model_copy(update={"submitted_at": when.isoformat(timespec="seconds")})
        )
    return dated


# --- feedback files -------------------------------------------------------------------------


def feedback_folder(result: SubmissionResult) -> str | None:
    """The zip folder Moodle files under the student's feedback, or None without a participant."""
    participant = result.participant
    if not participant:
        return None
    name = re.sub(r"[_/\\\x00-\x1f]+", " ", moodle_name(result.student, participant)).strip() or "etudiant"
    return f"{name}_{participant}_assignfeedback_file_"


def write_feedback_zip(
    results: list[SubmissionResult], feedback_dir: Path, day: str, out: Path
) -> tuple[int, list[str]]:
    """The zip of each student's French feedback page; returns how many went in and who could
    not (no Moodle participant number)."""
    skipped = []
    count = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for result in results:
            folder = feedback_folder(result)
            page = feedback_dir / f"{file_name(result.student)}.html"
            if folder is None or not page.is_file():
                skipped.append(result.student)
                continue
            archive.write(page, f"{folder}/retour_{day}.html")
            count += 1
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(buffer.getvalue())
    except OSError as exc:
        raise InputError(f"{out}: cannot write the feedback zip ({exc.strerror or exc})") from None
    return count, skipped
