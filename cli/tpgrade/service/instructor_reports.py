"""The instructor's reports of a day, made from the shared store as ``tpgrade report`` and
``tpgrade similarity --database`` make them: the cohort summary, the similarity report,
Moodle's grading worksheet filled in and its feedback zip.

Nothing here runs a student's file: the similarity report reads the code's
syntax trees, the rest reads results. An uploaded worksheet is read as data
from a file of this module's naming, in a folder removed afterwards.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tpgrade import paths
from tpgrade.cohort.intake import stored_intake
from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.errors import InputError, UsageError
from tpgrade.models import SubmissionResult
from tpgrade.reports.feedback import write_feedback
from tpgrade.reports.moodle import (
    COLUMNS,
    REQUIRED,
    Filled,
    Worksheet,
    fill_worksheet,
    read_worksheet,
    with_participants,
    write_feedback_zip,
)
from tpgrade.reports.similarity import Comparison, compare
from tpgrade.reports.summary import Figures, summary_figures
from tpgrade.service.instructor import adjusted_latest

WORKSHEET = "worksheet.csv"  # the upload's name on disk: never the sender's
_WHERE = "téléchargez-la depuis le devoir Moodle (« Download grading worksheet » parmi les actions d'évaluation), en CSV"


class Refused(InputError):
    """What cannot be done, and why: in English for the API, in ``french`` for the pages."""

    def __init__(self, english: str, french: str) -> None:
        super().__init__(english)
        self.french = french


def summary(store: PostgresStore, day: str, plots: bool = True) -> tuple[Figures, list[SubmissionResult]]:
    """The cohort summary's figures, the adjustments applied (histograms with ``plots``), and the
    submissions not graded (refused, not loadable, in error)."""
    results = adjusted_latest(store, day)
    return summary_figures(results, day, plots), [r for r in results if r.status != "graded"]


def similarity(store: PostgresStore, day: str, threshold: float) -> Comparison:
    """Pairs of each student's latest submissions at least ``threshold`` similar, the stub's
    code left out."""
    try:
        stub: Path | None = paths.stub_notebook(day)
    except UsageError:  # no course material beside the service
        stub = None
    if stub is None or not stub.is_file():
        shown = f"assignments/{day}/tp_{day}.ipynb"
        raise Refused(
            f"the stub notebook {shown} is not found: without it, the code everyone is given would count as"
            " copied; set TPGRADE_COURSE to the course's folder",
            f"Le notebook de départ {shown} est introuvable : sans lui, le code donné à tous compterait comme"
            " copié ; lancez le service avec TPGRADE_COURSE désignant le dossier du cours.",
        )
    with tempfile.TemporaryDirectory(prefix="tpgrade-similarity-") as scratch:
        intake = stored_intake(store.latest_submissions(day), Path(scratch))
        return compare(intake, stub, threshold)


def _worksheet(folder: Path, content: bytes) -> Worksheet:
    path = folder / WORKSHEET
    path.write_bytes(content)
    try:
        return read_worksheet(path)
    except InputError as exc:
        english = str(exc).replace(str(path), "the uploaded file")
        raise Refused(english, _why(content)) from None


def _why(content: bytes) -> str:
    """Why a worksheet was refused, in French."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return (
            f"Ce fichier n'est pas du texte UTF-8 : ce n'est pas la feuille d'évaluation Moodle ; {_WHERE}."
        )
    if not text.strip():
        return f"La feuille d'évaluation envoyée est vide ; {_WHERE}."
    wanted = ", ".join(f"« {COLUMNS[column][1]} » (« {COLUMNS[column][0]} »)" for column in REQUIRED)
    return (
        f"Ce fichier n'est pas une feuille d'évaluation Moodle : il y manque une des colonnes {wanted} ;"
        f" {_WHERE}."
    )


def filled_worksheet(store: PostgresStore, day: str, content: bytes) -> tuple[bytes, Filled]:
    """The uploaded worksheet with the day's grades and comments filled in, as ``tpgrade report
    --moodle-worksheet`` fills it."""
    results = adjusted_latest(store, day)
    with tempfile.TemporaryDirectory(prefix="tpgrade-worksheet-") as scratch:
        folder = Path(scratch)
        worksheet = _worksheet(folder, content)
        try:
            filled = fill_worksheet(worksheet, results, folder / f"moodle_worksheet_{day}.csv")
        except InputError:
            raise Refused(
                f"none of the {len(results)} graded students is in this worksheet (no participant number"
                " or full name in common): is it the worksheet of this assignment?",
                f"Aucun des {len(results)} étudiants notés n'est dans cette feuille (ni numéro de participant"
                " ni nom complet en commun) : est-ce bien la feuille d'évaluation de ce devoir ?",
            ) from None
        return filled.worksheet.read_bytes(), filled


def feedback_zip(store: PostgresStore, day: str, worksheet: bytes | None) -> tuple[bytes, int, list[str]]:
    """Moodle's feedback-files zip of the day's feedback pages: (the zip, how many pages, who
    was left out). The participant numbers are the results' own (graded from Moodle's zip), or
    found by full name in ``worksheet`` (handed in on the service)."""
    results = adjusted_latest(store, day)
    with tempfile.TemporaryDirectory(prefix="tpgrade-feedback-") as scratch:
        folder = Path(scratch)
        if worksheet is not None:
            results = with_participants(_worksheet(folder, worksheet), results)
        write_feedback(results, folder / "feedback", day)
        count, skipped = write_feedback_zip(results, folder / "feedback", day, folder / "feedback.zip")
        if results and not count:
            raise Refused(
                "no student has a Moodle participant number: send the assignment's grading worksheet"
                " (its 'Participant N' identifiers and full names)",
                "Aucun étudiant n'a de numéro de participant Moodle : envoyez la feuille d'évaluation de ce"
                " devoir (ses identifiants « Participant N » et les noms complets des étudiants).",
            )
        return (folder / "feedback.zip").read_bytes(), count, skipped
