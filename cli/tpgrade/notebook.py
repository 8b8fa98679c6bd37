"""The one-line public check from inside a student's notebook::

    from tpgrade.notebook import check; check("day2")

It runs the day's public tests on the functions defined in the notebook's
kernel. Public tests hold no secret, so running them in the student's own
process is harmless; hidden grading never happens this way.
"""

from __future__ import annotations

import __main__
from tpgrade.check import all_passed, check_namespace, verdict_lines
from tpgrade.errors import TpgradeError


def check(day: str) -> bool:
    """Print a verdict per question; return True when every public test passes."""
    try:
        questions = check_namespace(day, vars(__main__))
    except TpgradeError as exc:
        print(f"Erreur : {exc}")
        return False
    print("\n".join(verdict_lines(questions)))
    passed = all_passed(questions)
    print(
        "Tous les tests publics passent."
        if passed
        else "Certains tests publics échouent : relisez les messages ci-dessus."
    )
    return passed
