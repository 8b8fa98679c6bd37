"""Reading a handed-in file into the code cells the runner will execute.

This runs on the judge's side on untrusted bytes, so it only parses: JSON
for notebooks, ``ast`` for ``.py`` files and cells, never running anything.
A file that cannot be used becomes a :class:`Rejected` with one clear line,
never another exception, whatever its shape (deep JSON, metadata of the
wrong type, huge numbers).

What the judge parses is bounded: at most :data:`MAX_CODE_BYTES` of code
(parsing costs up to about a kilobyte of memory per byte of source), at most
:data:`MAX_CELLS` notebook cells, at most :data:`MAX_JSON_CONTAINERS` JSON
objects and arrays (each costs some 60 bytes once decoded). A cell the judge
cannot parse because it nests too deeply (more than :data:`MAX_NESTING`
levels, or past Python's own limits) is replaced by a ``raise`` of that
reason: it fails alone, in the runner, with a clear message, and no
judge-side check ever meets it. A ``.py`` file is cut into one cell per
top-level statement (or at ``# %%`` lines), with Python's own line breaks.
IPython syntax is handled in :mod:`tpgrade.magics`.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tpgrade.magics import physical_lines, prepare_cell, statement_starts

MAX_BYTES = 20 << 20
MAX_CODE_BYTES = 256 << 10
MAX_CELLS = 5_000
MAX_JSON_CONTAINERS = 500_000  # objects and arrays: what makes decoding JSON cost memory
MAX_NESTING = 200  # statements and expressions inside one another (Python allows 200 parentheses)
TOO_DEEP = "cellule trop imbriquée pour être compilée"
EXPLORATION_TAG = "exploration"
SUFFIXES = (".ipynb", ".py")
_PY_CELL_MARK = re.compile(r"# ?%%")
# A JSON string, or the rest of the text after an unterminated one: one pass, never quadratic.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_CONTINUES = re.compile(r"(?:else|elif|except|finally)\b")  # a clause of the statement before


class Rejected(Exception):
    """The file cannot be graded; the message says why, in one line."""


@dataclass(frozen=True)
class Cell:
    index: int
    source: str


@dataclass(frozen=True)
class Program:
    """What the runner executes: code cells in order, shell lines already removed.

    ``unparsed`` lists the cells replaced by a ``raise`` because the judge
    could not parse them, with the reason.
    """

    cells: tuple[Cell, ...]
    shell_lines: tuple[tuple[int, str], ...] = ()
    skipped_cells: tuple[int, ...] = ()
    unparsed: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path
    sha256: str
    program: Program


def student_id(path: Path) -> str:
    from tpgrade.identity import of_file  # ids are made in one place; see there

    return of_file(path).student


def remove_shell_lines(index: int, source: str) -> tuple[str, list[tuple[int, str]]]:
    """Replace IPython syntax with ``pass`` (see :mod:`tpgrade.magics`); say what was replaced."""
    cleaned, notes = prepare_cell(source)
    return cleaned, [(index, note) for note in notes]


def nesting_problem(source: str) -> str | None:
    """Why the judge cannot parse ``source`` (it nests too deeply), or None.

    A syntax error is not such a problem: the runner reports it, with its line.
    """
    return _parsed(source)[1]


def _parsed(source: str) -> tuple[bool, str | None]:
    """Whether ``source`` parses, and whether it nests too deeply to be read."""
    try:
        tree = ast.parse(source)
    except (RecursionError, MemoryError):
        return False, TOO_DEEP
    except (SyntaxError, ValueError, OverflowError):
        return False, None
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            return True, f"{TOO_DEEP} (plus de {MAX_NESTING} niveaux)"
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + isinstance(child, ast.stmt | ast.expr)))
    return True, None


def _json_containers(text: str) -> int:
    """How many objects and arrays decoding ``text`` would build (brackets in strings do not count)."""
    rough = text.count("{") + text.count("[")
    if rough <= MAX_JSON_CONTAINERS:
        return rough
    bare = _JSON_STRING.sub("", text)
    return bare.count("{") + bare.count("[")


def _load_json(text: str) -> Any:
    containers = _json_containers(text)
    if containers > MAX_JSON_CONTAINERS:
        raise Rejected(
            f"notebook trop complexe ({containers} objets JSON, maximum {MAX_JSON_CONTAINERS}) : "
            "effacez les sorties des cellules avant de le rendre"
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Rejected(
            f"notebook illisible : JSON invalide (ligne {exc.lineno}, colonne {exc.colno})"
        ) from None
    except RecursionError:
        raise Rejected("notebook illisible : structure JSON trop imbriquée") from None
    except MemoryError:
        raise Rejected("notebook illisible : trop de données à décoder") from None
    except ValueError:  # a number too long to convert, for instance
        raise Rejected("notebook illisible : valeur JSON inutilisable") from None


def _code_cells(data: Any) -> list[Any]:
    """The notebook's cells, once its format is known to be nbformat 4."""
    if not isinstance(data, dict):
        raise Rejected("ce fichier JSON n'est pas un notebook Jupyter (pas de liste de cellules)")
    major = data.get("nbformat")
    if type(major) is not int or major < 4:
        if isinstance(data.get("cells"), list) or isinstance(data.get("worksheets"), list):
            shown = major if type(major) in (int, float) else "absent"
            raise Rejected(
                f"notebook d'un format trop ancien (nbformat {shown}) : ouvrez-le dans Jupyter "
                "récent et enregistrez-le (nbformat 4) avant de le rendre"
            )
        raise Rejected("ce fichier JSON n'est pas un notebook Jupyter (pas de liste de cellules)")
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise Rejected("ce fichier JSON n'est pas un notebook Jupyter (pas de liste de cellules)")
    return [cell for cell in cells if isinstance(cell, dict) and cell.get("cell_type") == "code"]


def _cell_text(raw: Any, number: int) -> str:
    """A cell's ``source``: a string or a list of strings, in valid Unicode."""
    if isinstance(raw, list) and all(isinstance(part, str) for part in raw):
        raw = "".join(raw)
    if not isinstance(raw, str):
        raise Rejected(f"notebook mal formé : le code de la cellule de code n° {number} n'est pas du texte")
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise Rejected(
            f"notebook mal formé : caractère invalide dans la cellule de code n° {number}"
        ) from None
    return raw


def _is_exploration(cell: dict[Any, Any]) -> bool:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return isinstance(tags, list) and EXPLORATION_TAG in tags


def _notebook_cells(text: str) -> tuple[list[str], list[int]]:
    cells = _code_cells(_load_json(text))
    if len(cells) > MAX_CELLS:
        raise Rejected(
            f"notebook de {len(cells)} cellules de code (maximum {MAX_CELLS}) : regroupez votre code"
        )
    sources: list[str] = []
    skipped: list[int] = []
    for cell in cells:
        if _is_exploration(cell):
            skipped.append(len(sources))
        sources.append(_cell_text(cell.get("source", ""), len(sources) + 1))
    return sources, skipped


def _python_cells(text: str) -> list[str]:
    """Split a ``.py`` file into cells so that one broken part does not cost the rest.

    ``# %%`` lines (VS Code, Jupytext, Spyder) mark cells; otherwise each
    top-level statement is a cell (statements sharing a line stay together).
    """
    lines = physical_lines(text)
    starts = statement_starts(lines)
    marks = [n for n, line in enumerate(lines) if starts[n] and _PY_CELL_MARK.match(line)]
    if marks:
        bounds = zip([-1, *marks], [*marks, len(lines)], strict=True)
        parts = ["".join(lines[first + 1 : end]) for first, end in bounds]
        return _at_most([part for part in parts if part.strip()], MAX_CELLS)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return _at_most(_chunks_at_top_level(lines, starts), MAX_CELLS)
    spans: list[list[int]] = []
    for node in tree.body:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        end = node.end_lineno or node.lineno
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)  # ``a = 1; b = 2``: one cell, run once
        else:
            spans.append([start, end])
    return _at_most(["".join(lines[start - 1 : end]) for start, end in spans], MAX_CELLS)


def _chunks_at_top_level(lines: list[str], starts: list[bool]) -> list[str]:
    """A file that does not parse, cut before each line where a top-level statement starts."""
    chunks: list[list[str]] = [[]]
    last_code = ""  # the chunk's last line that is neither blank nor a comment
    for line, starts_statement in zip(lines, starts, strict=True):
        if (
            starts_statement
            and line[:1] not in ("", " ", "\t", "\f", "#", "\r", "\n")
            and not _CONTINUES.match(line)
            and last_code
            and not last_code.startswith("@")
        ):
            chunks.append([])
            last_code = ""
        chunks[-1].append(line)
        if line.strip() and not line.lstrip().startswith("#"):
            last_code = line
    return ["".join(chunk) for chunk in chunks if "".join(chunk).strip()]


def _at_most(cells: list[str], limit: int) -> list[str]:
    """Neighbouring cells joined so that there are at most ``limit``."""
    if len(cells) <= limit:
        return cells
    size = -(-len(cells) // limit)
    ended = [cell if cell.endswith(("\n", "\r")) else cell + "\n" for cell in cells]
    return ["".join(ended[start : start + size]) for start in range(0, len(ended), size)]


def _code_bytes(sources: list[str], skipped: list[int]) -> int:
    ignored = set(skipped)
    return sum(len(s.encode("utf-8", "surrogatepass")) for i, s in enumerate(sources) if i not in ignored)


def check_admissible(path: Path, max_bytes: int = MAX_BYTES) -> None:
    """Refuse, before reading it, a file of the wrong type, empty or too large (:class:`Rejected`)."""
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


def read_program(path: Path, max_bytes: int = MAX_BYTES) -> tuple[str, Program]:
    """Return the file's SHA-256 and its program, or raise :class:`Rejected`."""
    check_admissible(path, max_bytes)
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Rejected(f"fichier non encodé en UTF-8 (octet invalide à la position {exc.start})") from None
    notebook = path.suffix.lower() == ".ipynb"
    sources, skipped = _notebook_cells(text) if notebook else ([text], [])
    code = _code_bytes(sources, skipped)
    if code > MAX_CODE_BYTES:
        raise Rejected(
            f"trop de code ({code >> 10} Ko, maximum {MAX_CODE_BYTES >> 10} Ko) : "
            "retirez les données ou les sorties collées dans le code"
        )
    if not notebook:
        sources = _python_cells(text)
    return digest, _program(sources, skipped)


def _program(sources: list[str], skipped: list[int]) -> Program:
    cells: list[Cell] = []
    shell: list[tuple[int, str]] = []
    unparsed: list[tuple[int, str]] = []
    ignored = set(skipped)
    for index, source in enumerate(sources):
        if index in ignored:  # never run, so never read further
            cells.append(Cell(index, source))
            continue
        parses, problem = _parsed(source)
        if problem is None and not parses:
            cleaned, notes = prepare_cell(source, parses=False)
            shell.extend((index, note) for note in notes)
            if cleaned != source:
                problem = nesting_problem(cleaned)
        else:
            cleaned = source
        if problem is not None:
            unparsed.append((index, problem))
            cleaned = f"raise SyntaxError({problem!r})"
        cells.append(Cell(index, cleaned))
    return Program(tuple(cells), tuple(shell), tuple(skipped), tuple(unparsed))


def program_from_source(source: str) -> Program:
    """A program from ``.py`` text (references and mutants)."""
    return Program(tuple(Cell(i, s) for i, s in enumerate(_python_cells(source))))


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()
