"""Reading answer sheets: the YAML sheet or the answer notebook, never executed.

A sheet becomes the variant's number and, per question of the paper, the
raw answer (in the variant's letters), with notes on what was set aside. A
file that cannot be read at all is rejected with the reason: not UTF-8,
invalid YAML, YAML aliases, nesting deeper than :data:`MAX_DEPTH`, tags other
than plain data, a question answered twice (both answers named), no
answers at all, a missing or unknown variant. Reading is bounded: the YAML
is checked for depth before anything is built, dates and integers of more
than :data:`MAX_DIGITS` digits stay text, and a notebook's cells are read
token by token for assignments of plain constants (text, numbers, lists of
them), so that an expression of 200 000 operators costs its question only. A
single unreadable answer only costs its question (see :mod:`grading`).
Control characters pasted from a PDF (raw in the file, which YAML refuses) are
removed, with a note; those a sheet writes as escapes ("\\e") are kept, and
shown escaped wherever an answer is printed.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import nbformat
import yaml

from tpgrade.exam.paper import Paper

SHEET_KINDS = (".yaml", ".yml", ".ipynb")
MAX_SHEET_BYTES = 2 << 20
MAX_DEPTH = 8  # sheet, answers, an answer, a list in it: a few levels are enough
MAX_DIGITS = 100  # longer integers are kept as text
MAX_ITEMS = 1000  # items of one list in a notebook answer
_KEY = re.compile(r"^[Qq]\s*(\d{1,3})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SheetRejected(Exception):
    """The file is not a usable answer sheet; ``str()`` says why, in French."""


@dataclass(frozen=True)
class Sheet:
    variant: int
    answers: dict[int, Any]  # question number on the variant -> raw answer
    name: str  # the name written on the sheet ("" if none)
    digest: str  # of the file's bytes
    unknown_keys: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what was set aside while reading, in French


def _short(value: Any) -> str:
    """A value as the notes quote it: « … », 40 characters at most."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except ValueError:
        text = "(nombre trop long)"
    return f"« {text[:40]}{'…' if len(text) > 40 else ''} »"


class _Duplicate(Exception):
    def __init__(self, key: str, first: Any, second: Any) -> None:
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


class _SheetLoader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML with plain data only: no dates (they stay text), bounded integers, and a
    mapping that refuses a key written twice."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(None, None, "expected a mapping", node.start_mark)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be plain text", key_node.start_mark
                ) from None
            value = self.construct_object(value_node, deep=True)
            if key in mapping:
                raise _Duplicate(str(key), mapping[key], value)
            mapping[key] = value
        return mapping

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        text = str(self.construct_scalar(node))
        if sum(c.isdigit() for c in text) > MAX_DIGITS:
            return text
        return super().construct_yaml_int(node)


_SheetLoader.add_constructor("tag:yaml.org,2002:int", _SheetLoader.construct_yaml_int)
_SheetLoader.add_constructor("tag:yaml.org,2002:map", _SheetLoader.construct_yaml_map)


def _refuse(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"type {node.tag} non accepté sur une feuille", node.start_mark
    )


for _tag in ("binary", "set", "omap", "pairs", "timestamp"):
    _SheetLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse)


def _check_events(text: str) -> None:
    """Refuse aliases and deep nesting from the parser's events, before anything is built
    (nested aliases blow up exponentially; deep nesting overflows the composer)."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            raise SheetRejected("la feuille utilise des alias YAML (*nom) : écrivez chaque réponse en entier")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise SheetRejected(
                    f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux de listes ou de blocs) : "
                    "une réponse est un texte, un nombre ou une liste de lettres"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _flow_depth(text: str) -> int:
    """The deepest nesting of brackets, quotes or not: a bound the pure-Python parser,
    slow on deep nesting, needs before it starts."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def _from_yaml(data: bytes, notes: list[str]) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SheetRejected("la feuille n'est pas un texte UTF-8") from None
    text, removed = _CONTROL.subn("", text.replace("\r\n", "\n"))
    if removed:
        notes.append(f"{removed} caractère(s) de contrôle retiré(s) (copié-collé d'un PDF ?)")
    if _BaseLoader is yaml.SafeLoader and _flow_depth(text) > 4 * MAX_DEPTH:
        raise SheetRejected(f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux de listes ou de blocs)")
    try:
        _check_events(text)
        content = yaml.load(text, Loader=_SheetLoader)
    except _Duplicate as twice:
        raise SheetRejected(
            f"la clé {twice.key} apparaît deux fois ({_short(twice.first)} puis {_short(twice.second)}) : "
            "gardez une seule réponse par question"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 1})" if mark is not None else ""
        raise SheetRejected(
            f"la feuille n'est pas du YAML valide{where} : {getattr(exc, 'problem', None) or exc}"
        ) from None
    except (ValueError, OverflowError) as exc:  # a scalar that cannot be built
        raise SheetRejected(f"la feuille contient une valeur illisible ({str(exc)[:80]})") from None
    if not isinstance(content, dict):
        raise SheetRejected("la feuille doit contenir « etudiant », « variante » et « reponses »")
    top_level = {str(k): v for k, v in content.items() if _KEY.match(str(k).strip())}
    if "reponses" not in content:
        if not top_level:
            raise SheetRejected(
                "la feuille n'a pas de bloc « reponses: » (ni de lignes « Qn: réponse ») : aucune réponse à lire"
            )
        notes.append("bloc « reponses: » absent : réponses lues au premier niveau de la feuille")
        answers: Any = {}
    else:
        answers = content["reponses"]
        if answers is None:
            answers = {}
        if top_level:
            notes.append("réponses lues aussi hors du bloc « reponses: »")
    if not isinstance(answers, dict):
        raise SheetRejected("« reponses » doit être une liste de lignes « Qn: réponse »")
    values: dict[str, Any] = {"etudiant": content.get("etudiant"), "variante": content.get("variante")}
    for key, value in [*answers.items(), *top_level.items()]:
        if str(key) in values and str(key) not in ("etudiant", "variante"):
            raise SheetRejected(
                f"la clé {key} apparaît deux fois ({_short(values[str(key)])} puis {_short(value)}) : "
                "gardez une seule réponse par question"
            )
        values[str(key)] = value
    if not values.keys() - {"etudiant", "variante"}:
        notes.append("aucune réponse sur la feuille")
    return values


# --- notebooks -------------------------------------------------------------------------------


class _NotConstant(Exception):
    """A value that is not a plain constant; ``str()`` says what it is, in French."""


def _constant(tokens: list[tokenize.TokenInfo]) -> Any:
    """The value of a constant written with ``tokens``: text (implicit concatenation too),
    a number with at most one sign, True/False/None, or a list or tuple of those."""
    value, rest = _value(tokens, 0, 0)
    if rest != len(tokens):
        raise _NotConstant("une expression, pas une constante")
    return value


def _value(tokens: list[tokenize.TokenInfo], at: int, depth: int) -> tuple[Any, int]:
    if at >= len(tokens):
        raise _NotConstant("valeur manquante")
    token = tokens[at]
    if token.type == tokenize.STRING:
        parts: list[str] = []
        while at < len(tokens) and tokens[at].type == tokenize.STRING:
            try:
                part = ast.literal_eval(tokens[at].string)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                raise _NotConstant("un texte calculé (f-string)") from None
            if not isinstance(part, str):
                raise _NotConstant("des octets, pas un texte")
            parts.append(part)
            at += 1
        return "".join(parts), at
    if token.type == tokenize.OP and token.string in "+-" and at + 1 < len(tokens):
        number = tokens[at + 1]
        if number.type != tokenize.NUMBER:
            raise _NotConstant("une expression, pas une constante")
        return _number(token.string + number.string), at + 2
    if token.type == tokenize.NUMBER:
        return _number(token.string), at + 1
    if token.type == tokenize.NAME and token.string in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[token.string], at + 1
    if token.type == tokenize.OP and token.string in "[(":
        if depth >= 3:
            raise _NotConstant("trop de listes imbriquées")
        closing = "]" if token.string == "[" else ")"
        items: list[Any] = []
        at += 1
        comma = False
        while at < len(tokens) and tokens[at].string != closing:
            if len(items) >= MAX_ITEMS:
                raise _NotConstant("une liste trop longue")
            item, at = _value(tokens, at, depth + 1)
            items.append(item)
            if at < len(tokens) and tokens[at].string == ",":
                comma = True
                at += 1
            elif at < len(tokens) and tokens[at].string != closing:
                raise _NotConstant("une expression, pas une constante")
        if at >= len(tokens):
            raise _NotConstant("une liste non fermée")
        if closing == ")" and len(items) == 1 and not comma:
            return items[0], at + 1  # parentheses around one value
        return (items if closing == "]" else tuple(items)), at + 1
    raise _NotConstant("une expression, pas une constante")


def _number(text: str) -> Any:
    if sum(c.isdigit() for c in text) > MAX_DIGITS:
        raise _NotConstant(f"un nombre de plus de {MAX_DIGITS} chiffres")
    try:
        value = ast.literal_eval(text.lstrip("+"))
    except (ValueError, SyntaxError):
        raise _NotConstant("un nombre illisible") from None
    if not isinstance(value, int | float):
        raise _NotConstant("un nombre complexe")
    return value


def _assignments(source: str) -> list[tuple[str, Any]]:
    """``(name, value)`` for each top-level ``name = constant`` of a cell, in order; a value
    that is not a constant is a :class:`_NotConstant` instance. A cell Python cannot read is
    skipped."""
    found: list[tuple[str, Any]] = []
    line: list[tokenize.TokenInfo] = []
    indent = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.INDENT:
                indent += 1
            elif token.type == tokenize.DEDENT:
                indent -= 1
            elif token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if indent == 0 and len(line) >= 2 and line[0].type == tokenize.NAME and line[1].string == "=":
                    try:
                        found.append((line[0].string, _constant(line[2:])))
                    except _NotConstant as reason:
                        found.append((line[0].string, reason))
                line = []
            elif token.type not in (tokenize.NL, tokenize.COMMENT):
                line.append(token)
    except (tokenize.TokenError, SyntaxError):
        return found
    return found


def _from_notebook(data: bytes, notes: list[str]) -> dict[str, Any]:
    """Top-level assignments of constants in the code cells; nothing is executed."""
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # nbformat raises many kinds for a damaged file
        raise SheetRejected(f"le notebook est illisible ({type(exc).__name__})") from None
    values: dict[str, Any] = {}
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        for name, value in _assignments(str(cell.get("source", ""))):
            relevant = name in ("variante", "etudiant") or _KEY.match(name)
            if isinstance(value, _NotConstant):
                if relevant:
                    notes.append(f"{name} : valeur non lue ({value}) ; seules les constantes sont lues")
                value = None
            if relevant and name in values and values[name] != value:
                notes.append(
                    f"{name} est affecté deux fois ({_short(values[name])} puis {_short(value)}) : "
                    "la dernière valeur compte"
                )
            values[name] = value
    return values


# --- both --------------------------------------------------------------------------------------


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
    notes: list[str] = []
    values = _from_notebook(data, notes) if suffix == ".ipynb" else _from_yaml(data, notes)
    variant = values.pop("variante", None)
    if isinstance(variant, bool) or not isinstance(variant, int) or not 0 <= variant <= paper.variants:
        raise SheetRejected(
            f"numéro de variante manquant ou inconnu ({_short(variant)}) : il doit être entre 0 et {paper.variants}"
        )
    name = values.pop("etudiant", None)
    answers: dict[int, Any] = {}
    keys: dict[int, str] = {}
    unknown: list[str] = []
    for key, value in values.items():
        match = _KEY.match(key.strip())
        if match and 1 <= int(match.group(1)) <= len(paper.questions):
            number = int(match.group(1))
            if number in answers:
                raise SheetRejected(
                    f"la question Q{number} apparaît deux fois ({keys[number]} : {_short(answers[number])}, "
                    f"{key} : {_short(value)}) : gardez une seule réponse par question"
                )
            answers[number] = value
            keys[number] = key
        elif match or suffix != ".ipynb":  # a notebook may hold other variables
            unknown.append(key)
    return Sheet(
        variant=variant,
        answers=answers,
        name=str(name).strip() if name else "",
        digest=hashlib.sha256(data).hexdigest(),
        unknown_keys=tuple(unknown),
        notes=tuple(notes),
    )
