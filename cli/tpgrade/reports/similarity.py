"""Suspiciously similar submissions, for the instructor to look at.

Each submission's code becomes one stream of tokens, the node types of its
syntax trees in order, normalised so that a copier's cheap disguises change
nothing:

- names, strings, docstrings, comments and type annotations are erased;
- statements with no effect are dropped: ``pass``, an expression statement
  with no call in it (``0``, ``x``, ``...``), ``x = x``, ``x += 0``, a value
  with no call stored in a name that nothing reads, ``global``/``nonlocal``,
  ``assert True``, ``print`` of such values; ``if True:``/``if False:``
  keep only the branch that runs;
- the statements of the stub notebook, which everyone shares, are left out.

The stream is fingerprinted by winnowing (Schleimer, Wilkerson and Aiken,
SIGMOD 2003, as MOSS does): every run of :data:`K` tokens is hashed and, of
each window of :data:`WINDOW` consecutive hashes, the smallest is kept. A run
of ``K + WINDOW - 1`` tokens shared by two submissions therefore shares a
fingerprint whatever was inserted around it, and moving functions around
only changes the few runs that cross their borders. Fingerprints of runs that
occur in the stub are dropped. Two submissions are compared by the Jaccard
index of their fingerprint sets.

A file that cannot be read, or holds no code of its own that parses, is
skipped with a note; so is each cell that does not parse. Cells tagged for
exploration, which grading skips, are not compared either.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tpgrade.cohort.intake import Intake
from tpgrade.judge.submission import Program, Rejected, read_program
from tpgrade.reports.atomic import write_text
from tpgrade.reports.gradebook import cell

K = 6
WINDOW = 4
SHINGLE = K  # the name of the run length before winnowing
MIN_FINGERPRINTS = 4  # fewer: too little code of one's own to say anything
DEFAULT_THRESHOLD = 0.8  # what `tpgrade similarity` reports by default

_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError)
_QUIET = (ast.expr_context, ast.operator, ast.cmpop, ast.boolop, ast.unaryop, ast.type_ignore)
_PURE = (
    ast.Constant,
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.IfExp,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.Starred,
    *_QUIET,
)
_IDENTITY = {ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1, ast.Pow: 1}
_BODIES = ("body", "orelse", "finalbody")


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    similarity: float


@dataclass(frozen=True)
class Comparison:
    """The pairs found, and the notes (English, for the instructor) on what was not compared."""

    pairs: list[Pair]
    notes: list[tuple[str, str]] = field(default_factory=list)


# --- normalisation ---------------------------------------------------------------------------


def _pure(node: ast.AST) -> bool:
    """Whether evaluating ``node`` can do nothing but compute a value (no call, no lambda)."""
    return all(isinstance(child, _PURE) for child in ast.walk(node))


def _loads(trees: Iterable[ast.AST]) -> set[str]:
    """Every name the code reads."""
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Global | ast.Nonlocal):
                names.update(node.names)
    return names


def _unread(targets: list[ast.expr], read: set[str] | None) -> bool:
    return read is not None and all(isinstance(t, ast.Name) and t.id not in read for t in targets)


def _self_assignment(targets: list[ast.expr], value: ast.expr) -> bool:
    """``x = x`` and ``a, b = a, b``."""

    def same(target: ast.expr, source: ast.expr) -> bool:
        if isinstance(target, ast.Name) and isinstance(source, ast.Name):
            return target.id == source.id
        if isinstance(target, ast.Tuple | ast.List) and isinstance(source, ast.Tuple | ast.List):
            return len(target.elts) == len(source.elts) and all(
                isinstance(t, ast.Name) and isinstance(s, ast.Name) and t.id == s.id
                for t, s in zip(target.elts, source.elts, strict=True)
            )
        return False

    return all(same(target, value) for target in targets)


def _no_effect(statement: ast.stmt, read: set[str] | None) -> bool:
    """Whether dropping ``statement`` changes nothing a grader could see."""
    match statement:
        case ast.Pass() | ast.Global() | ast.Nonlocal():
            return True
        case ast.Expr(value=ast.Call(func=ast.Name(id="print"), args=args, keywords=keywords)):
            return all(_pure(arg) for arg in [*args, *(k.value for k in keywords)])
        case ast.Expr(value=value):
            return _pure(value)
        case ast.Assign(targets=targets, value=value):
            return _self_assignment(targets, value) or (_pure(value) and _unread(targets, read))
        case ast.AnnAssign(target=target, value=value):
            return value is None or (_pure(value) and _unread([target], read))
        case ast.AugAssign(op=op, value=ast.Constant(value=constant)):
            identity = _IDENTITY.get(type(op))
            return identity is not None and type(constant) in (int, float) and constant == identity
        case ast.Assert(test=ast.Constant(value=constant)):
            return bool(constant)
        case ast.While(test=ast.Constant(value=constant), orelse=[]):
            return not constant
    return False


def _kept(statements: list[ast.stmt], read: set[str] | None) -> list[ast.stmt]:
    """The statements that do something, ``if <constant>:`` replaced by the branch that runs."""
    kept: list[ast.stmt] = []
    pending = list(reversed(statements))
    while pending:
        statement = pending.pop()
        if isinstance(statement, ast.If) and isinstance(statement.test, ast.Constant):
            branch = statement.body if statement.test.value else statement.orelse
            pending.extend(reversed(branch))
        elif not _no_effect(statement, read):
            kept.append(statement)
    return kept


def _label(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return f"Constant:{type(node.value).__name__}"
    if isinstance(node, ast.BinOp | ast.UnaryOp | ast.BoolOp | ast.AugAssign):
        return f"{type(node).__name__}:{type(node.op).__name__}"
    if isinstance(node, ast.Compare):
        return "Compare:" + ",".join(type(op).__name__ for op in node.ops)
    if isinstance(node, ast.AnnAssign):
        return "Assign"
    return type(node).__name__


def _children(node: ast.AST, read: set[str] | None) -> Iterator[ast.AST]:
    """The parts of ``node`` that count, in source order: no annotation, no statement without effect."""
    for name, value in ast.iter_fields(node):
        if name in ("annotation", "returns", "type_comment"):
            continue
        if name in _BODIES and isinstance(value, list):
            yield from _kept(value, read)
        elif isinstance(value, list):
            yield from (item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            yield value


def _tokens(tree: ast.AST, read: set[str] | None = None) -> list[str]:
    """Node types in depth-first order (an explicit stack: a deep tree costs no recursion)."""
    tokens: list[str] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, _QUIET):
            tokens.append(_label(node))
        stack.extend(reversed(list(_children(node, read))))
    return tokens


def _statements(trees: list[ast.Module], read: set[str] | None) -> list[list[str]]:
    """Each top-level statement that does something, as its tokens."""
    return [_tokens(statement, read) for tree in trees for statement in _kept(tree.body, read)]


# --- fingerprints ------------------------------------------------------------------------


def _hashes(tokens: list[str]) -> list[int]:
    runs = (" ".join(tokens[start : start + K]) for start in range(max(1, len(tokens) - K + 1)))
    return [int.from_bytes(hashlib.blake2b(run.encode(), digest_size=8).digest()) for run in runs if run]


def _winnow(hashes: list[int]) -> set[int]:
    if len(hashes) <= WINDOW:
        return {min(hashes)} if hashes else set()
    return {min(hashes[start : start + WINDOW]) for start in range(len(hashes) - WINDOW + 1)}


@dataclass(frozen=True)
class _Base:
    """What the stub gives everyone: its statements, and every run of tokens in it."""

    statements: frozenset[str] = frozenset()
    runs: frozenset[int] = frozenset()


def _parse_cells(program: Program) -> tuple[list[ast.Module], dict[str, list[int]]]:
    """The syntax trees of the graded cells, and the cells that do not parse, by reason."""
    trees: list[ast.Module] = []
    failed: dict[str, list[int]] = {}
    unparsed = {index for index, _ in program.unparsed}
    for entry in program.cells:
        if entry.index in program.skipped_cells:
            continue
        if entry.index in unparsed:
            failed.setdefault("too deeply nested", []).append(entry.index)
            continue
        try:
            trees.append(ast.parse(entry.source))
        except (RecursionError, MemoryError):
            failed.setdefault("too deeply nested", []).append(entry.index)
        except _PARSE_ERRORS:
            failed.setdefault("syntax error", []).append(entry.index)
    return trees, failed


def _base(stub: Path) -> _Base:
    try:
        _, program = read_program(stub)
    except (Rejected, OSError):
        return _Base()
    trees, _ = _parse_cells(program)
    read = _loads(trees)
    statements = _statements(trees, read) + _statements(trees, None)
    stream = [token for statement in _statements(trees, read) for token in statement]
    return _Base(frozenset(" ".join(s) for s in statements), frozenset(_hashes(stream)))


def _fingerprint(trees: list[ast.Module], base: _Base) -> frozenset[int]:
    read = _loads(trees)
    stream: list[str] = []
    for statement in _statements(trees, read):
        if " ".join(statement) not in base.statements:
            stream.extend(statement)
    return frozenset(_winnow(_hashes(stream)) - base.runs)


def fingerprint(cells: list[str], shared: set[str]) -> frozenset[int]:
    """The fingerprints of the code in ``cells``, without the statements in ``shared``."""
    trees = []
    for source in cells:
        try:
            trees.append(ast.parse(source))
        except _PARSE_ERRORS:
            continue
    return _fingerprint(trees, _Base(frozenset(shared)))


def stub_statements(stub: Path) -> set[str]:
    return set(_base(stub).statements)


def _cells_note(failed: dict[str, list[int]]) -> str:
    parts = []
    for reason, indexes in sorted(failed.items()):
        shown = ", ".join(str(index + 1) for index in indexes[:10])
        more = f" and {len(indexes) - 10} more" if len(indexes) > 10 else ""
        parts.append(f"{reason} in code cell(s) {shown}{more}")
    return "not compared: " + "; ".join(parts)


def compare(intake: Intake, stub: Path, threshold: float) -> Comparison:
    """Pairs of students whose code is at least ``threshold`` similar, most similar first,
    and a note for each student whose code could not be compared, or not all of it."""
    base = _base(stub)
    prints: dict[str, frozenset[int]] = {}
    notes: list[tuple[str, str]] = []
    for candidate in intake.candidates:
        try:
            _, program = read_program(candidate.path)
        except Rejected as rejection:
            notes.append((candidate.student, f"skipped, file not read: {rejection}"))
            continue
        except OSError as exc:
            notes.append((candidate.student, f"skipped, file not read: {exc.strerror}"))
            continue
        trees, failed = _parse_cells(program)
        found = _fingerprint(trees, base)
        if len(found) < MIN_FINGERPRINTS:
            why = "no code of its own that parses" if failed else "too little code of its own"
            notes.append((candidate.student, f"skipped, {why}"))
            continue
        if failed:
            notes.append((candidate.student, _cells_note(failed)))
        prints[candidate.student] = found
    pairs = []
    for (first, a), (second, b) in itertools.combinations(sorted(prints.items()), 2):
        similarity = len(a & b) / len(a | b)
        if similarity >= threshold:
            pairs.append(Pair(first, second, round(similarity, 3)))
    pairs.sort(key=lambda pair: (-pair.similarity, pair.first, pair.second))
    return Comparison(pairs, sorted(notes))


def similar_pairs(intake: Intake, stub: Path, threshold: float) -> list[Pair]:
    """Pairs of students whose code is at least ``threshold`` similar, most similar first."""
    return compare(intake, stub, threshold).pairs


def write_pairs(pairs: list[Pair], path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student_a", "student_b", "similarity"])
    for pair in pairs:
        writer.writerow([cell(pair.first), cell(pair.second), f"{pair.similarity:.3f}"])
    return write_text(path, buffer.getvalue())
