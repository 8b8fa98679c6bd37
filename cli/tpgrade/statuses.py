"""Every status of a question, a submission and a notebook cell, in one table each.

What the judge, the reports and the command line say of a status comes from
here: its French label (what students read), what to do about it, its mark
and console style. The question table is in "most telling first" order: when
several tests of a question fail, the message of the first status in this
order is shown first.
"""

from __future__ import annotations

from dataclasses import dataclass

from tpgrade.models import CellIssueKind, QuestionStatus, SubmissionStatus

_REREAD = (
    "relisez l'énoncé et reprenez les cas des tests en échec ci-dessous ; essayez aussi d'autres"
    " formes et d'autres valeurs que celles des tests publics."
)


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
    "not_implemented": QuestionStatusInfo(
        "non implémentée",
        "écrivez la fonction dans sa cellule (elle lève encore NotImplementedError ou n'est pas"
        " définie), enregistrez le notebook, puis vérifiez-le avec check.",
        "yellow",
    ),
    "forbidden": QuestionStatusInfo(
        "règle du sujet non respectée",
        "respectez la règle du sujet rappelée dans le message (par exemple NumPy seulement).",
        "red",
    ),
    "timed_out": QuestionStatusInfo(
        "temps limite dépassé",
        "votre fonction est trop lente : remplacez les boucles Python sur les éléments par des"
        " opérations vectorisées de NumPy ou de PyTorch.",
        "red",
    ),
    "crashed": QuestionStatusInfo(
        "processus arrêté",
        "le processus s'est arrêté pendant l'appel (mémoire épuisée, exit…) : vérifiez la taille des"
        " tableaux que vous créez.",
        "red",
    ),
    "invalid_output": QuestionStatusInfo(
        "valeur renvoyée invalide", "renvoyez exactement le type et la forme demandés par l'énoncé.", "red"
    ),
    "error": QuestionStatusInfo(
        "erreur à l'exécution",
        "votre fonction lève une exception sur ces entrées : lisez le message et refaites l'appel dans le"
        " notebook pour la corriger.",
        "red",
    ),
    "grader_error": QuestionStatusInfo(
        "erreur du correcteur",
        "le correcteur a échoué sur cette question, sans faute de votre part : l'enseignant est prévenu.",
        "magenta",
    ),
    "failed": QuestionStatusInfo("incorrecte", _REREAD, "red"),
    "partial": QuestionStatusInfo("partiellement réussie", _REREAD, "yellow"),
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
