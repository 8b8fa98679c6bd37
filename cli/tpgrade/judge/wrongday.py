"""Whether a submission that implements none of the day's functions is another day's TP.

Read from the source only (the judge never runs it): the functions a file
defines at the top of its cells, against the graded functions of each day
(the names in its graders' ``@question`` markers).
"""

from __future__ import annotations

import re
from functools import lru_cache

from tpgrade import paths
from tpgrade.errors import UsageError
from tpgrade.judge.submission import Program

_QUESTION = re.compile(r"""@question\(\s*["'](\w+)["']""")
_DEF = re.compile(r"^(?:async\s+)?def\s+(\w+)", re.M)


@lru_cache(maxsize=8)
def graded_functions(day: str) -> frozenset[str]:
    """The functions the day's hidden graders grade."""
    names: set[str] = set()
    try:
        graders = paths.graders_dir(day)
    except UsageError:  # a student's check, from a bundle: no graders, and no need of them
        return frozenset()
    for path in sorted(graders.glob("test_*.py")):
        names.update(_QUESTION.findall(path.read_text(encoding="utf-8")))
    return frozenset(names)


def defined_functions(program: Program) -> frozenset[str]:
    return frozenset(name for cell in program.cells for name in _DEF.findall(cell.source))


def other_day(program: Program, day: str) -> tuple[str, int] | None:
    """The day whose graded functions the file defines (two at least, and more than any
    other day's), with how many, when it defines none of ``day``'s; else ``None``."""
    defined = defined_functions(program)
    if defined & graded_functions(day):
        return None
    counts = [(len(defined & graded_functions(d)), d) for d in paths.DAYS if d != day]
    count, best = max(counts)
    if count < 2 or sum(c == count for c, _ in counts) > 1:
        return None
    return best, count


def wrong_day_note(program: Program, day: str) -> str:
    """A French sentence for the feedback, or "" when the file looks like ``day``'s (or nobody's)."""
    found = other_day(program, day)
    if found is None:
        return ""
    other, count = found
    return (
        f"ce fichier semble être le TP de {other} : il définit {count} fonction(s) notée(s) de {other}"
        f" et aucune de {day}. Vérifiez que vous avez rendu le bon fichier."
    )
