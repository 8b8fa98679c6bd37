"""Student-facing words (French) for statuses."""

from __future__ import annotations

QUESTION_STATUS = {
    "passed": "réussie",
    "partial": "partiellement réussie",
    "failed": "incorrecte",
    "not_implemented": "non implémentée",
    "error": "erreur à l'exécution",
    "timed_out": "temps limite dépassé",
    "crashed": "processus arrêté",
    "invalid_output": "valeur renvoyée invalide",
    "forbidden": "règle du sujet non respectée",
    "grader_error": "erreur du correcteur",
}
SUBMISSION_STATUS = {
    "graded": "noté",
    "rejected": "refusé",
    "not_loadable": "impossible à charger",
    "error": "non noté (erreur interne du correcteur)",
}
CELL_ISSUE = {
    "error": "erreur",
    "timed_out": "temps limite dépassé",
    "process_exited": "arrêt du processus",
    "skipped_shell": "ignorée",
}
