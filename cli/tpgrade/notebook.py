"""The one-line public check from inside a student's notebook::

    from tpgrade.notebook import check; check("day2")

It checks the notebook *file*, loaded the way grading loads it: the saved
cells, in order, exploration cells skipped, in a fresh process. A function
that passes here cannot fail grading for a reason this check could have
seen (a helper defined only in an exploration cell, code never saved). When
the kernel runs a graded function that differs from the saved one, it says
so: the check is about the file, which is what is handed in.
"""

from __future__ import annotations

import ast
import inspect
import os
from pathlib import Path
from typing import Any

import __main__
from tpgrade.course.check import all_passed, check_in_process, verdict_lines
from tpgrade.errors import InputError, TpgradeError
from tpgrade.judge.submission import read_program
from tpgrade.models import SubmissionResult


def check(day: str, notebook: str | os.PathLike[str] | None = None) -> bool:
    """Print a verdict per question for the saved notebook; True when every public test passes.

    ``notebook`` is the file to check; by default the notebook this kernel runs
    (as Jupyter or VS Code tell it), else ``tp_DAY.ipynb`` in the current folder.
    """
    try:
        path = notebook_path(day, notebook, vars(__main__))
        result = check_in_process(day, path)
    except TpgradeError as exc:
        print(f"Erreur : {exc}")
        return False
    print(f"Vérification du fichier enregistré {path.name}")
    for line in unsaved_notes(vars(__main__), path, result):
        print(line)
    return _report(result)


def submit(
    day: str,
    notebook: str | os.PathLike[str] | None = None,
    server: str | None = None,
    token: str | None = None,
) -> bool:
    """Hand in the saved notebook to the grading service and print the score; True once graded.

    Runs the public check first and says what fails; the server and token are those of
    ``tpgrade login`` (or ``TPGRADE_SERVER`` and ``TPGRADE_TOKEN``) unless given.
    """
    from tpgrade.course.submit import Service, hand_in_file, summary_lines

    try:
        path = notebook_path(day, notebook, vars(__main__))
        service = Service.reached(server, token)
        for line in unsaved_notes_for(day, path):
            print(line)
        found = hand_in_file(day, path, service, print, lambda line: print(f"\r{line}", end="", flush=True))
    except TpgradeError as exc:
        print(f"Erreur : {exc}")
        return False
    print()
    for line in summary_lines(found, service.url):
        print(line)
    return bool(found["status"] == "graded")


def unsaved_notes_for(day: str, path: Path) -> list[str]:
    """:func:`unsaved_notes` for the day's functions, without running the public tests."""
    from tpgrade.models import QuestionResult

    try:
        _, program = read_program(path)
    except (TpgradeError, OSError):
        return []
    defined = set()
    for cell in program.cells:
        try:
            defined |= {
                node.name for node in ast.parse(cell.source).body if isinstance(node, ast.FunctionDef)
            }
        except (SyntaxError, ValueError):
            continue
    names = {
        name: QuestionResult(name=name, score=0, max_score=0, status="passed") for name in sorted(defined)
    }
    return unsaved_notes(
        vars(__main__), path, SubmissionResult(student="", day=day, status="graded", questions=names)
    )


def _report(result: SubmissionResult) -> bool:
    if result.status != "graded":
        print(f"Fichier refusé : {result.message}")
        return False
    for issue in result.load.issues:
        print(f"cellule n° {issue.index + 1} : {issue.message}")
    print("\n".join(verdict_lines(result.questions)))
    passed = all_passed(result.questions)
    print(
        "Tous les tests publics passent."
        if passed
        else "Certains tests publics échouent : relisez les messages ci-dessus."
    )
    return passed


def notebook_path(day: str, given: str | os.PathLike[str] | None, namespace: dict[str, Any]) -> Path:
    """The notebook file to check: ``given``, else the kernel's own, else ``tp_DAY.ipynb`` here."""
    candidates: list[Path] = []
    if given is not None:
        candidates.append(Path(given))
    else:
        for found in (os.environ.get("JPY_SESSION_NAME"), namespace.get("__vsc_ipynb_file__")):
            if isinstance(found, str) and found.endswith(".ipynb"):
                candidates.append(Path(found))
        candidates.append(Path.cwd() / f"tp_{day}.ipynb")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise InputError(
        f"notebook introuvable ({', '.join(str(c) for c in candidates)}) : enregistrez-le, ou donnez"
        f' son nom : check("{day}", "mon_notebook.ipynb")'
    )


def unsaved_notes(namespace: dict[str, Any], path: Path, result: SubmissionResult) -> list[str]:
    """A line per graded function whose version in the kernel is not the saved one."""
    try:
        _, program = read_program(path)
    except (TpgradeError, OSError):
        return []
    saved = [" ".join(cell.source.split()) for cell in program.cells]
    notes = []
    for name in result.questions:
        function = namespace.get(name)
        if not inspect.isfunction(function):
            continue
        try:
            source = " ".join(inspect.getsource(function).split())
        except (OSError, TypeError):
            continue
        if not any(source in cell for cell in saved):
            notes.append(
                f"⚠ {name} : la version exécutée dans le noyau n'est pas celle du fichier enregistré ;"
                " la vérification (comme la correction) lit le fichier : enregistrez (Ctrl+S) et relancez."
            )
    return notes
