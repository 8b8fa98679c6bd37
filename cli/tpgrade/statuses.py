"""Every status of a question, a submission and a notebook cell, in one table each.

What the judge, the reports and the command line say of a status comes from
here: its French label (what students read), what to do about it, its mark
and console style. The question table is in "most telling first" order: when
several tests of a question fail, the message of the first status in this
order is shown first.
"""

from __future__ import annotations

from dataclasses import dataclass

from tpgrade import messages as msg
from tpgrade.models import CellIssueKind, QuestionStatus, SubmissionStatus


@dataclass(frozen=True)
class QuestionStatusInfo:
    label: str  # French, as the student reads it
    next_step: str  # what to do about it, in French ("" when nothing is to be done)
    style: str  # console style


@dataclass(frozen=True)
class SubmissionStatusInfo:
    label: str
    style: str


QUESTION_STATUSES: dict[QuestionStatus, QuestionStatusInfo] = {
    "not_implemented": QuestionStatusInfo("non implémentée", msg.NOT_IMPLEMENTED.to_do, "yellow"),
    "forbidden": QuestionStatusInfo(
        "règle du sujet non respectée",
        "respectez la règle du sujet rappelée dans le message (par exemple NumPy seulement).",
        "red",
    ),
    "timed_out": QuestionStatusInfo("temps limite dépassé", msg.TO_DO_FASTER, "red"),
    "crashed": QuestionStatusInfo("processus arrêté", msg.TO_DO_CRASH, "red"),
    "invalid_output": QuestionStatusInfo("valeur renvoyée invalide", msg.TO_DO_SHAPE, "red"),
    "error": QuestionStatusInfo("erreur à l'exécution", msg.TO_DO_READ_ERROR, "red"),
    "grader_error": QuestionStatusInfo("erreur du correcteur", msg.TO_DO_NOTHING, "magenta"),
    "failed": QuestionStatusInfo("incorrecte", msg.TO_DO_REREAD, "red"),
    "partial": QuestionStatusInfo("partiellement réussie", msg.TO_DO_REREAD, "yellow"),
    "passed": QuestionStatusInfo("réussie", "", "green"),
}
MOST_TELLING_FIRST: tuple[QuestionStatus, ...] = tuple(QUESTION_STATUSES)

SUBMISSION_STATUSES: dict[SubmissionStatus, SubmissionStatusInfo] = {
    "graded": SubmissionStatusInfo("noté", "green"),
    "rejected": SubmissionStatusInfo("refusé", "red"),
    "not_loadable": SubmissionStatusInfo("impossible à charger", "red"),
    "error": SubmissionStatusInfo("non noté (erreur interne du correcteur)", "magenta"),
}

# What went wrong with a notebook cell while it was loaded (``CellIssue.kind``).
CELL_ISSUES: dict[CellIssueKind, str] = {
    "error": "erreur",
    "timed_out": "temps limite dépassé",
    "process_exited": "arrêt du processus",
    "skipped_shell": "ignorée",
}


def question_label(status: QuestionStatus) -> str:
    return QUESTION_STATUSES[status].label


def submission_label(status: SubmissionStatus) -> str:
    return SUBMISSION_STATUSES[status].label
