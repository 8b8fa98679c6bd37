"""The fixed French messages students see, each with what to do about it.

What the judge says of a call, a cell or a check that went wrong comes from
this catalogue. A message is a template and a "what to do" line; its fields
are facts about the student's own code or about the grading's limits (a
function's name, a cell's number, a time limit, the student's own error, a
count, a relative gap, a shape the assignment states). :data:`FIELDS` lists
every field a template may use, and filling one with any other field is an
error: no template can carry a value the graders expect (``tests/test_messages.py``
checks every template).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

# Every field a template may hold, and what it holds.
FIELDS: dict[str, str] = {
    "what": "what was called or checked, by the student's name for it (« softmax », « le résultat »)",
    "name": "the name of a graded function",
    "seconds": "a time limit of the grading",
    "megabytes": "a size limit of the grading",
    "detail": "what the student's process, or the reading of their file, said",
    "error": "the student's own exception, as their code raised it",
    "error_type": "the type of an exception, without its message",
    "described": "what the student's code returned, by type and shape only",
    "count": "a number of things found in the student's answer",
    "size": "the number of values in the student's answer",
    "gap": "a relative gap, never the value it is measured from",
    "shape": "the shape of the student's answer",
    "wanted_shape": "a shape the assignment states",
    "dtype": "the dtype of the student's answer",
    "length": "a tuple length the assignment states",
    "keys": "dictionary keys the assignment states",
    "got_keys": "the dictionary keys of the student's answer",
    "key": "a key of the student's own argument",
}


class MessageFieldError(ValueError):
    """A template filled with a field :data:`FIELDS` does not list."""


class Said(str):
    """A filled-in message: the text, and what the student can do about it."""

    to_do: str = ""


def to_do_of(text: object) -> str:
    """The "what to do" line of a message made from the catalogue ("" for any other text)."""
    return text.to_do if isinstance(text, Said) else ""


@dataclass(frozen=True)
class Message:
    template: str
    to_do: str  # what the student can do about it, in French

    def fields(self) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(self.template) if field}

    def __call__(self, **values: Any) -> Said:
        unknown = set(values) - set(FIELDS)
        if unknown:
            raise MessageFieldError(f"fields not allowed in a student message: {sorted(unknown)}")
        said = Said(self.template.format(**values))
        said.to_do = self.to_do
        return said


# What to do, shared by several messages and by the statuses (tpgrade.statuses).
TO_DO_REREAD = (
    "relisez l'énoncé et reprenez les cas des tests en échec ; essayez aussi d'autres formes et"
    " d'autres valeurs que celles des tests publics."
)
TO_DO_CRASH = (
    "vérifiez que votre code ne termine pas le processus (exit, os._exit, signaux) et la taille des"
    " tableaux qu'il crée."
)
TO_DO_FASTER = (
    "votre fonction est trop lente : remplacez les boucles Python sur les éléments par des opérations"
    " vectorisées de NumPy ou de PyTorch."
)
TO_DO_SHAPE = "renvoyez exactement le type et la forme demandés par l'énoncé."
TO_DO_READ_ERROR = "lisez le message et refaites l'appel dans le notebook pour corriger l'erreur."
TO_DO_NOTHING = "rien de votre côté : l'équipe enseignante est prévenue."

# -- a call to the student's code ----------------------------------------------------------
NOT_IMPLEMENTED = Message(
    "{name} : non implémentée",
    "écrivez la fonction dans sa cellule (elle lève encore NotImplementedError ou n'est pas définie),"
    " enregistrez le notebook, puis vérifiez-le avec check.",
)
CALL_TIMED_OUT = Message("{what} : temps limite de {seconds:g} s dépassé", TO_DO_FASTER)
SUBMISSION_BUDGET = Message(
    "temps total de correction de la copie dépassé ({seconds:g} s) : les appels restants ne sont pas faits",
    "accélérez les fonctions les plus lentes : le temps total compte tous les appels de la correction.",
)
RUNNER_SILENT = Message("le processus élève ne répond plus ({detail})", TO_DO_CRASH)
CALL_ENDED = Message("{what} : {detail}", TO_DO_CRASH)
UNEXPECTED_REPLY = Message(
    "le processus élève a renvoyé une réponse inattendue",
    "n'écrivez pas dans les descripteurs du processus (sys.stdout remplacé, os.write sur 1) : utilisez print.",
)
VALUE_LOST = Message(
    "valeur perdue : le processus élève a été relancé entre-temps",
    "corrigez d'abord l'appel qui a arrêté le processus : les valeurs suivantes en dépendent.",
)
UNUSABLE_ANSWER = Message("{what} : valeur renvoyée inutilisable ({detail})", TO_DO_SHAPE)
PROTOCOL_BROKEN = Message("{what} : {detail}", TO_DO_SHAPE)
STUDENT_RAISED = Message("{what} : votre code a levé {error}", TO_DO_READ_ERROR)
FORBIDDEN_NAMES = Message(
    "{name} : {detail}",
    "n'utilisez pas ce que l'énoncé interdit pour cette question : écrivez le calcul vous-même.",
)
TORCH_FORBIDDEN = Message(
    "{what} : {detail}", "cette question se fait en NumPy seulement : retirez PyTorch de la fonction."
)

# -- the judge's own verdicts ---------------------------------------------------------------
WRONG_RESULT = Message("résultat incorrect", TO_DO_REREAD)
NUMPY_ONLY = Message(
    "{name} doit être écrite en NumPy seulement : {detail}",
    "cette question se fait en NumPy seulement : retirez PyTorch (et autograd) de la fonction.",
)
GRADER_COULD_NOT_USE = Message(
    "valeur renvoyée inutilisable : le correcteur n'a pas pu s'en servir ({error_type})", TO_DO_SHAPE
)
GRADER_FAILED = Message(
    "le correcteur n'a pas pu vérifier ce résultat ({error_type}) ; signalez-le à l'équipe enseignante",
    TO_DO_NOTHING,
)
TEST_NOT_RUN = Message("test non exécuté", TO_DO_NOTHING)

# -- what the graders check of an answer (tpgrade.grader) ------------------------------------
NOT_AN_ARRAY = Message("{what} doit être un tableau NumPy (numpy.ndarray), pas {described}", TO_DO_SHAPE)
WRONG_SHAPE = Message("{what} a la forme {shape}, la forme attendue est {wanted_shape}", TO_DO_SHAPE)
NOT_FLOAT = Message("{what} a le type {dtype}, un type flottant est attendu", TO_DO_SHAPE)
NOT_FINITE = Message(
    "{what} contient des valeurs non finies (nan ou inf)",
    "cherchez la division par zéro, le log de 0 ou l'exponentielle qui déborde (soustrayez le maximum).",
)
OUT_OF_TOLERANCE = Message(
    "{what} : {count} valeur(s) sur {size} hors tolérance (écart maximal relatif à l'échelle des valeurs : {gap:.2e})",
    TO_DO_REREAD,
)
NOT_A_NUMBER = Message("{what} doit être un nombre réel, pas {described}", TO_DO_SHAPE)
SCALAR_NOT_FINITE = Message("{what} : valeur non finie (nan ou inf)", NOT_FINITE.to_do)
WRONG_SCALAR = Message("{what} : valeur incorrecte (écart relatif {gap:.2e})", TO_DO_REREAD)
NOT_A_DICT = Message("{what} doit être un dictionnaire, pas {described}", TO_DO_SHAPE)
WRONG_KEYS = Message("{what} doit avoir les clés {keys} ; clés reçues : {got_keys}", TO_DO_SHAPE)
NOT_A_TUPLE = Message("{what} doit être un tuple de {length} éléments, pas {described}", TO_DO_SHAPE)
ARGUMENT_CHANGED = Message(
    "{what} a été modifié (entrée {key}) : la fonction ne doit pas modifier ses arguments, "
    "elle renvoie de nouveaux tableaux",
    "travaillez sur une copie (x.copy(), dict(params)) au lieu de modifier l'argument reçu.",
)

# -- loading the notebook ---------------------------------------------------------------------
CELL_TIMED_OUT = Message("temps limite de {seconds:g} s dépassé", TO_DO_FASTER)
LOAD_BUDGET_IN_CELL = Message(
    "temps total de chargement dépassé pendant cette cellule",
    "retirez des cellules notées les calculs longs (entraînements, boucles de test) : mettez-les en exploration.",
)
CELL_NOT_RUN = Message("non exécutée : temps total de chargement dépassé", LOAD_BUDGET_IN_CELL.to_do)
CELL_SKIPPED = Message("cellule ignorée : {detail}", TO_DO_CRASH)
IPYTHON_LINE = Message(
    "ligne IPython ignorée : {detail}",
    "les lignes %magic et !commande ne s'exécutent pas à la correction : écrivez du Python.",
)
MORE_CELL_ISSUES = Message(
    "… et {count} autres cellules ou lignes signalées (non détaillées)",
    "corrigez d'abord les premières : les suivantes en dépendent souvent.",
)
REPLY_TOO_LARGE = Message(
    "réponse trop volumineuse (plus de {megabytes} Mo)",
    "renvoyez des tableaux de la taille demandée, pas des copies de vos données.",
)
REPLY_MALFORMED = Message("réponse non conforme du processus élève ({detail})", UNEXPECTED_REPLY.to_do)
REPLY_TIMED_OUT = Message("temps limite dépassé", TO_DO_FASTER)
# -- the grading machines ------------------------------------------------------------------
SYSTEM_ERROR = Message(
    "erreur du système : la correction s'est arrêtée {count} fois (machine de correction perdue),"
    " sans que votre code en soit la cause ; resoumettez le même fichier, sans pénalité",
    "resoumettez le même fichier, sans pénalité ; l'équipe enseignante est prévenue.",
)

CATALOGUE: dict[str, Message] = {
    name: value for name, value in dict(globals()).items() if isinstance(value, Message) and name.isupper()
}
