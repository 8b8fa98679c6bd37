"""The demo cohort: Day 2 submissions of every kind an instructor meets.

Built from the course material itself: the stub notebook filled in with the
reference, other correct styles, known-wrong variants from the graders'
mutants, a syntax error, an infinite loop, a hostile submission, and files
that must be rejected. The demo's own snippets live in ``reference/day2/demo``.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat

from tpgrade import paths

DAY = "day2"


def demo_dir() -> Path:
    return paths.course_root() / "reference" / DAY / "demo"


def _definitions(source: str) -> dict[str, str]:
    """Top-level functions and classes of ``source``, each with its decorators."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found[node.name] = "".join(lines[start - 1 : node.end_lineno])
    return found


def _extras(source: str, graded: set[str], imports: bool) -> str:
    """The imports of ``source``, or its other top-level statements but the graded definitions."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    kept = []
    for node in tree.body:
        is_import = isinstance(node, ast.Import | ast.ImportFrom)
        if getattr(node, "name", None) in graded or is_import != imports:
            continue
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        kept.append("".join(lines[start - 1 : node.end_lineno]))
    return "\n".join(kept)


def fill_stub(overrides: dict[str, str], helpers_from: str = "") -> nbformat.NotebookNode:
    """The stub notebook with each graded cell replaced by ``overrides[name]``.

    A graded cell is a code cell that defines a function named in ``overrides``.
    The imports of ``helpers_from`` go in a new cell before the first graded
    one, what else it defines (helpers, constants) in a new cell after the
    last, as a student would add them.
    """
    notebook: nbformat.NotebookNode = nbformat.read(paths.stub_notebook(DAY), as_version=4)  # type: ignore[no-untyped-call]
    graded: set[str] = set()
    first, last = len(notebook.cells), 0
    for position, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        try:
            names = set(_definitions(cell.source))
        except SyntaxError:
            continue
        chosen = [name for name in names if name in overrides]
        if chosen:
            cell.source = "\n\n".join(overrides[name] for name in chosen)
            graded.update(chosen)
            first, last = min(first, position), position
    if helpers_from:
        new_cell = nbformat.v4.new_code_cell
        notebook.cells.insert(last + 1, new_cell(_extras(helpers_from, graded, imports=False)))  # type: ignore[no-untyped-call]
        notebook.cells.insert(first, new_cell(_extras(helpers_from, graded, imports=True)))  # type: ignore[no-untyped-call]
    return notebook


def _write_notebook(notebook: nbformat.NotebookNode, path: Path) -> None:
    nbformat.write(notebook, path)  # type: ignore[no-untyped-call]


def _mutant(name: str) -> str:
    return (paths.mutants_dir(DAY) / f"{name}.py").read_text(encoding="utf-8")


def build_cohort(folder: Path) -> list[Path]:
    """Write the demo submissions into ``folder`` (replacing earlier ones); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file():
            old.unlink()
    reference = paths.reference_file(DAY).read_text(encoding="utf-8")
    helpers = _definitions(reference)
    demo = demo_dir()

    _write_notebook(fill_stub(helpers, reference), folder / "alice.ipynb")
    (folder / "bruno.py").write_text((demo / "other_style.py").read_text(encoding="utf-8"))
    partly_wrong = {**helpers, **_definitions(_mutant("mlp_backward__missing_mean"))}
    partly_wrong.update(_definitions(_mutant("softmax__no_max_shift")))
    _write_notebook(fill_stub(partly_wrong, reference), folder / "chloe.ipynb")
    broken = dict(helpers)
    broken["adam_step"] = broken["adam_step"].replace("):", ")", 1)  # a colon forgotten
    _write_notebook(fill_stub(broken, reference), folder / "david.ipynb")
    looping = reference + "\n\n" + (demo / "infinite_loop.py").read_text(encoding="utf-8")
    (folder / "emma.py").write_text(looping)
    hostile = reference + "\n\n" + (demo / "hostile.py").read_text(encoding="utf-8")
    (folder / "farid.py").write_text(hostile)
    _write_notebook(nbformat.read(paths.stub_notebook(DAY), as_version=4), folder / "gaspard.ipynb")  # type: ignore[no-untyped-call]
    (folder / "hugo.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "x = 1"')
    (folder / "ines.pdf").write_bytes(b"%PDF-1.4 not a notebook")
    (folder / "jules.ipynb").write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}))
    return sorted(folder.iterdir())
