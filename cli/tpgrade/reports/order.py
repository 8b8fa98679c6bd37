"""The order students meet the questions in: the order of the day's stub notebook."""

from __future__ import annotations

import re
from functools import lru_cache

import nbformat

from tpgrade import paths
from tpgrade.errors import TpgradeError
from tpgrade.models import QuestionResult

_DEF = re.compile(r"^(?:def|class)\s+(\w+)", re.M)


@lru_cache(maxsize=8)
def notebook_order(day: str) -> tuple[str, ...]:
    """The functions the day's stub notebook defines, in its order (none when it cannot be read)."""
    try:
        notebook = nbformat.read(paths.stub_notebook(day), as_version=4)  # type: ignore[no-untyped-call]
    except (TpgradeError, OSError, ValueError):
        return ()
    names: dict[str, None] = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            names.update(dict.fromkeys(_DEF.findall(cell.source)))
    return tuple(names)


def in_notebook_order(day: str, questions: dict[str, QuestionResult]) -> list[QuestionResult]:
    """``questions`` in the notebook's order; any the notebook does not name come last, as stored."""
    order = {name: i for i, name in enumerate(notebook_order(day))}
    return sorted(questions.values(), key=lambda q: order.get(q.name, len(order)))


def names_in_notebook_order(day: str, names: list[str]) -> list[str]:
    order = {name: i for i, name in enumerate(notebook_order(day))}
    return sorted(names, key=lambda n: order.get(n, len(order)))
