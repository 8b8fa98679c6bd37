"""Suspiciously similar submissions, for the instructor to look at.

Each submission's code is reduced to the shape of its syntax tree: names,
strings, docstrings and comments are erased, so that renaming variables or
rewording comments changes nothing. The code given in the stub notebook,
which everyone shares, is left out. Two submissions are compared by the
Jaccard index of their sets of k-grams of tree nodes.
"""

from __future__ import annotations

import ast
import csv
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

from tpgrade.intake import Intake
from tpgrade.reports.atomic import write_text
from tpgrade.reports.gradebook import cell
from tpgrade.submission import Rejected, read_program

SHINGLE = 6


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    similarity: float


def _tokens(tree: ast.AST) -> list[str]:
    """Node types in depth-first order; constants by type only (names and strings erased)."""
    tokens: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            continue  # docstrings and bare strings
        if isinstance(node, ast.Constant):
            tokens.append(f"Constant:{type(node.value).__name__}")
        elif isinstance(node, ast.BinOp | ast.UnaryOp | ast.Compare | ast.BoolOp | ast.AugAssign):
            operator = getattr(node, "op", None) or getattr(node, "ops", [None])[0]
            tokens.append(f"{type(node).__name__}:{type(operator).__name__}")
        elif not isinstance(node, ast.expr_context | ast.operator | ast.cmpop | ast.boolop | ast.unaryop):
            tokens.append(type(node).__name__)
    return tokens


def _statements(source: str) -> list[str]:
    """Each top-level statement (a function, a class, an assignment) as a token string."""
    try:
        module = ast.parse(source)
    except SyntaxError:
        return []
    return [" ".join(_tokens(statement)) for statement in module.body]


def fingerprint(cells: list[str], shared: set[str]) -> frozenset[int]:
    """The k-grams of the submission's statements, without the statements of the stub."""
    shingles: set[int] = set()
    for source in cells:
        for statement in _statements(source):
            if statement in shared:
                continue
            tokens = statement.split()
            for start in range(max(1, len(tokens) - SHINGLE + 1)):
                shingles.add(hash(" ".join(tokens[start : start + SHINGLE])))
    return frozenset(shingles)


def stub_statements(stub: Path) -> set[str]:
    try:
        _, program = read_program(stub)
    except Rejected:
        return set()
    return {statement for cell in program.cells for statement in _statements(cell.source)}


def similar_pairs(intake: Intake, stub: Path, threshold: float) -> list[Pair]:
    """Pairs of students whose code is at least ``threshold`` similar, most similar first."""
    shared = stub_statements(stub)
    prints: dict[str, frozenset[int]] = {}
    for candidate in intake.candidates:
        try:
            _, program = read_program(candidate.path)
        except (Rejected, OSError):
            continue
        found = fingerprint([cell.source for cell in program.cells], shared)
        if found:
            prints[candidate.student] = found
    pairs = []
    for (first, a), (second, b) in itertools.combinations(sorted(prints.items()), 2):
        similarity = len(a & b) / len(a | b)
        if similarity >= threshold:
            pairs.append(Pair(first, second, round(similarity, 3)))
    return sorted(pairs, key=lambda pair: (-pair.similarity, pair.first, pair.second))


def write_pairs(pairs: list[Pair], path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student_a", "student_b", "similarity"])
    for pair in pairs:
        writer.writerow([cell(pair.first), cell(pair.second), f"{pair.similarity:.3f}"])
    return write_text(path, buffer.getvalue())
