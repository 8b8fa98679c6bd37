"""Reading answer sheets: the YAML sheet or the answer notebook, never executed.

A sheet becomes the variant's number and, per question of the paper, the
raw answer (in the variant's letters). A file that cannot be read at all is
rejected with the reason; a sheet whose variant is missing or unknown too. A
single unreadable answer only costs its question (see :mod:`grading`).
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml

from tpgrade.exam.paper import Paper

SHEET_KINDS = (".yaml", ".yml", ".ipynb")
MAX_SHEET_BYTES = 2 << 20
_KEY = re.compile(r"^[Qq]\s*(\d{1,3})$")


class SheetRejected(Exception):
    """The file is not a usable answer sheet; ``str()`` says why, in French."""


@dataclass(frozen=True)
class Sheet:
    variant: int
    answers: dict[int, Any]  # question number on the variant -> raw answer
    name: str  # the name written on the sheet ("" if none)
    digest: str  # of the file's bytes
    unknown_keys: tuple[str, ...] = ()


def _from_yaml(data: bytes) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
        # Anchors and aliases have no use on a sheet, and nested aliases blow up
        # exponentially when a value is printed: refused before building anything.
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
            raise SheetRejected("la feuille utilise des alias YAML (*nom) : écrivez chaque réponse en entier")
        content = yaml.safe_load(text)
    except UnicodeDecodeError:
        raise SheetRejected("la feuille n'est pas un texte UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 1})" if mark is not None else ""
        raise SheetRejected(
            f"la feuille n'est pas du YAML valide{where} : {getattr(exc, 'problem', exc)}"
        ) from None
    if not isinstance(content, dict):
        raise SheetRejected("la feuille doit contenir « etudiant », « variante » et « reponses »")
    answers = content.get("reponses")
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise SheetRejected("« reponses » doit être une liste de lignes « Qn: réponse »")
    return {
        "etudiant": content.get("etudiant"),
        "variante": content.get("variante"),
        **{str(k): v for k, v in answers.items()},
    }


def _from_notebook(data: bytes) -> dict[str, Any]:
    """Top-level assignments of literals in the code cells; nothing is executed."""
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # nbformat raises many kinds for a damaged file
        raise SheetRejected(f"le notebook est illisible ({type(exc).__name__})") from None
    values: dict[str, Any] = {}
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse(str(cell.get("source", "")))
        except SyntaxError:
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                try:
                    values[node.targets[0].id] = ast.literal_eval(node.value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    values[node.targets[0].id] = None
    return values


def read_sheet(path: Path, paper: Paper) -> Sheet:
    """The answers of one sheet; :class:`SheetRejected` if the file cannot be used."""
    suffix = path.suffix.lower()
    if suffix not in SHEET_KINDS:
        raise SheetRejected(
            f"type de fichier non pris en charge ({suffix or 'sans extension'}) : rendez la feuille .yaml ou le notebook .ipynb"
        )
    try:
        if path.stat().st_size > MAX_SHEET_BYTES:
            raise SheetRejected("fichier trop volumineux pour une feuille de réponses")
        data = path.read_bytes()
    except OSError as exc:
        raise SheetRejected(f"fichier illisible ({exc.strerror})") from None
    values = _from_notebook(data) if suffix == ".ipynb" else _from_yaml(data)
    variant = values.pop("variante", None)
    if isinstance(variant, bool) or not isinstance(variant, int) or not 0 <= variant <= paper.variants:
        raise SheetRejected(
            f"numéro de variante manquant ou inconnu ({variant!r}) : il doit être entre 0 et {paper.variants}"
        )
    name = values.pop("etudiant", None)
    answers: dict[int, Any] = {}
    unknown: list[str] = []
    for key, value in values.items():
        match = _KEY.match(key.strip())
        if match and 1 <= int(match.group(1)) <= len(paper.questions):
            answers[int(match.group(1))] = value
        elif match or suffix != ".ipynb":  # a notebook may hold other variables
            unknown.append(key)
    return Sheet(
        variant=variant,
        answers=answers,
        name=str(name).strip() if name else "",
        digest=hashlib.sha256(data).hexdigest(),
        unknown_keys=tuple(unknown),
    )
