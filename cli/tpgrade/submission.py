"""Reading a handed-in file into the code cells the runner will execute.

This runs on the judge's side on untrusted bytes, so it only parses: JSON
for notebooks, ``ast`` for ``.py`` files. A file that cannot be used becomes
a :class:`Rejected` with one clear line, never a crash.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 20 << 20
EXPLORATION_TAG = "exploration"
SUFFIXES = (".ipynb", ".py")
_SHELL_LINE = re.compile(r"^\s*(?:[%!]|\w+\s*=\s*[%!])")
_PY_CELL_MARK = re.compile(r"^# ?%%", re.MULTILINE)
_TOP_LEVEL_START = re.compile(r"^(?:def |class |import |from |@|async def )")


class Rejected(Exception):
    """The file cannot be graded; the message says why, in one line."""


@dataclass(frozen=True)
class Cell:
    index: int
    source: str


@dataclass(frozen=True)
class Program:
    """What the runner executes: code cells in order, shell lines already removed."""

    cells: tuple[Cell, ...]
    shell_lines: tuple[tuple[int, str], ...] = ()
    skipped_cells: tuple[int, ...] = ()


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path
    sha256: str
    program: Program


def student_id(path: Path) -> str:
    return path.stem.strip() or path.name


def remove_shell_lines(index: int, source: str) -> tuple[str, list[tuple[int, str]]]:
    """Replace IPython magics and ``!shell`` lines with ``pass`` (keeping indentation)."""
    if source.lstrip().startswith("%%"):
        first = source.lstrip().splitlines()[0]
        return "", [(index, first)]
    removed: list[tuple[int, str]] = []
    lines = source.splitlines()
    for number, line in enumerate(lines):
        if _SHELL_LINE.match(line):
            removed.append((index, line.strip()))
            indent = line[: len(line) - len(line.lstrip())]
            lines[number] = f"{indent}pass"
    return "\n".join(lines), removed


def _notebook_cells(text: str) -> tuple[list[str], list[int]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Rejected(
            f"notebook illisible : JSON invalide (ligne {exc.lineno}, colonne {exc.colno})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        raise Rejected("ce fichier JSON n'est pas un notebook Jupyter (pas de liste de cellules)")
    major = data.get("nbformat")
    if not isinstance(major, int) or major < 4:
        raise Rejected(
            f"notebook d'un format trop ancien (nbformat {major}) : ouvrez-le dans Jupyter "
            "récent et enregistrez-le (nbformat 4) avant de le rendre"
        )
    sources: list[str] = []
    skipped: list[int] = []
    for cell in data["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        raw = cell.get("source", "")
        source = "".join(raw) if isinstance(raw, list) else raw
        if not isinstance(source, str) or (
            isinstance(raw, list) and not all(isinstance(s, str) for s in raw)
        ):
            raise Rejected("notebook mal formé : le code d'une cellule n'est pas du texte")
        tags = (cell.get("metadata") or {}).get("tags") or []
        if isinstance(tags, list) and EXPLORATION_TAG in tags:
            skipped.append(len(sources))
        sources.append(source)
    return sources, skipped


def _python_cells(text: str) -> list[str]:
    """Split a ``.py`` file into cells so that one broken part does not cost the rest."""
    if _PY_CELL_MARK.search(text):
        return [part for part in _PY_CELL_MARK.split(text) if part.strip()]
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return _chunks_at_top_level(text)
    lines = text.splitlines(keepends=True)
    cells = []
    for node in tree.body:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        cells.append("".join(lines[start - 1 : node.end_lineno]))
    return cells


def _chunks_at_top_level(text: str) -> list[str]:
    chunks: list[list[str]] = [[]]
    for line in text.splitlines(keepends=True):
        if _TOP_LEVEL_START.match(line) and chunks[-1] and not chunks[-1][-1].startswith("@"):
            chunks.append([])
        chunks[-1].append(line)
    return ["".join(chunk) for chunk in chunks if "".join(chunk).strip()]


def read_program(path: Path, max_bytes: int = MAX_BYTES) -> tuple[str, Program]:
    """Return the file's SHA-256 and its program, or raise :class:`Rejected`."""
    if path.suffix.lower() not in SUFFIXES:
        raise Rejected(
            f"type de fichier non pris en charge ({path.suffix or 'sans extension'}) : "
            "rendez un notebook .ipynb ou un fichier .py"
        )
    size = path.stat().st_size
    if size == 0:
        raise Rejected("fichier vide")
    if size > max_bytes:
        raise Rejected(f"fichier trop volumineux ({size / 2**20:.0f} Mo, maximum {max_bytes / 2**20:.0f} Mo)")
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Rejected(f"fichier non encodé en UTF-8 (octet invalide à la position {exc.start})") from None
    if path.suffix.lower() == ".ipynb":
        sources, skipped = _notebook_cells(text)
    else:
        sources, skipped = _python_cells(text), []
    cells: list[Cell] = []
    shell: list[tuple[int, str]] = []
    for index, source in enumerate(sources):
        cleaned, removed = remove_shell_lines(index, source)
        shell.extend(removed)
        cells.append(Cell(index, cleaned))
    return digest, Program(tuple(cells), tuple(shell), tuple(skipped))


def program_from_source(source: str) -> Program:
    """A program from ``.py`` text (references and mutants)."""
    return Program(tuple(Cell(i, s) for i, s in enumerate(_python_cells(source))))


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()
