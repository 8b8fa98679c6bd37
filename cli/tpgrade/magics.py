"""IPython's special syntax in a code cell, found without running anything.

A notebook cell may hold lines that only IPython understands: ``%magic``,
``!shell``, ``x = !cmd``, ``x = %magic``, ``obj?``, and a cell magic
(``%%bash``) as its first line. The runner executes plain Python, so these
lines are replaced by ``pass`` (keeping indentation and line numbers) and
reported. The rules are IPython's own (``IPython.core.inputtransformer2``):

- such a line counts only where a statement starts: not inside brackets, a
  triple-quoted string or after a backslash, so ``!=`` on a continuation line
  stays Python; a magic line extends over its backslash continuations;
- a cell magic must be the first line of the cell (blank lines before it
  are allowed, a comment is not), and the first line's indentation is
  removed from the whole cell, as IPython does.

Cell magics that only wrap Python code run in the user's namespace
(:data:`WRAPPER_MAGICS`) have their body run; any other cell magic (``%%bash``,
``%%writefile``, ``%%html``, ``%%python`` which runs in a subprocess...) is
skipped whole. ``%%timeit``'s body runs once, at top level. Of the line
magics, ``%time STATEMENT`` runs its statement, as IPython does; the others
(``%timeit``, whose statement IPython runs in a namespace of its own, too)
become ``pass``. IPython's rarely used ``,f a b`` / ``;f a`` / ``/f a`` call
shortcuts are not translated.

IPython's transformer itself is not used: it runs on untrusted text here, and
it tokenizes the whole cell again after each line it rewrites (quadratic on a
cell of many magic lines, and it gives up past 500), splits lines on form
feeds, and produces ``get_ipython()`` calls that would still have to be
mapped back to the lines they came from. A cell that parses as Python is
left exactly as it is, since no IPython syntax can start a Python statement.

Physical lines are split as Python's tokenizer does (``\\n``, ``\\r\\n``,
``\\r`` only), never with :meth:`str.splitlines`, which also breaks lines at
form feeds and other separators and would disagree with ``ast`` line numbers.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

WRAPPER_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
NOTE_CHARS = 80
MAX_NOTES = 20  # per cell; the rest are counted

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_SPECIAL = re.compile(r"[#'\"\\()\[\]{}=?]")
_STRING_STOP = {quote: re.compile(r"\\|" + re.escape(quote)) for quote in ("'''", '"""', "'", '"')}
_NOT_BEFORE_ASSIGN = frozenset("=!<>:+-*/%&|^@~")
_HELP_TARGET = re.compile(r"%{0,2}(?!\d)[\w*]+(?:\.(?!\d)[\w*]+|\[-?[0-9]+\])*")
_MAGIC_NAME = re.compile(r"%[^\W\d]")
_INDENT = re.compile(r"[ \t]+")
_TIMED = re.compile(r"%time[ \t]+(\S.*)")


def physical_lines(text: str) -> list[str]:
    """The lines of ``text`` with their endings, as Python's tokenizer counts them."""
    return _LINE.findall(text)


@dataclass(frozen=True)
class _Lexed:
    depth: int  # open brackets
    quote: str | None  # the delimiter of a string still open at the end of the line
    continued: bool  # a backslash ends the line
    assign: int  # position of the first plain ``=`` outside brackets, or -1
    help_end: bool  # the line's code ends with ``?``


def _string_end(body: str, start: int, quote: str) -> int:
    """Where the string opened before ``start`` ends; -1 if not on this line."""
    stop = _STRING_STOP[quote]
    position = start
    while (found := stop.search(body, position)) is not None:
        if found.group() != "\\":
            return found.end()
        position = found.end() + 1  # an escaped character, a quote included
    return -1


def _lex(body: str, depth: int, quote: str | None) -> _Lexed:
    """One physical line (without its ending) read as Python, from the state the previous one left."""
    position, assign, last_question, code_end = 0, -1, -1, len(body)
    while position < len(body):
        if quote is not None:
            end = _string_end(body, position, quote)
            if end < 0:
                still_open = len(quote) == 3 or body.endswith("\\")
                return _Lexed(depth, quote if still_open else None, False, assign, False)
            position, quote = end, None
            continue
        found = _SPECIAL.search(body, position)
        if found is None:
            break
        char, position = found.group(), found.end()
        if char == "#":
            code_end = found.start()
            break
        if char in "'\"":
            quote = char * 3 if body.startswith(char * 3, found.start()) else char
            position = found.start() + len(quote)
        elif char == "\\" and position == len(body):
            return _Lexed(depth, None, True, assign, False)
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char == "?":
            last_question = found.start()
        elif (
            char == "="
            and depth == 0
            and assign < 0
            and body[found.start() - 1 : found.start()] not in _NOT_BEFORE_ASSIGN
            and body[position : position + 1] != "="
        ):
            assign = found.start()
        elif char == "=" and body[position : position + 1] == "=":
            position += 1  # ``==``: its second sign is no assignment
    if quote is not None:  # a string opened at the very end of the line
        return _Lexed(depth, quote if len(quote) == 3 else None, False, assign, False)
    help_end = code_end == len(body) and depth == 0 and 0 <= last_question == len(body.rstrip()) - 1
    return _Lexed(depth, None, False, assign, help_end)


def _is_escape(body: str, lexed: _Lexed) -> bool:
    """Whether a line where a statement starts is IPython syntax."""
    code = body.lstrip(" \t\f")
    if code.startswith(("!", "%", "?")):
        return True
    if lexed.assign >= 0 and not code.startswith("="):
        value = body[lexed.assign + 1 :].lstrip(" \t")
        if (value.startswith("!") and not value.startswith("!=")) or _MAGIC_NAME.match(value):
            return True
    return lexed.help_end and _HELP_TARGET.fullmatch(_help_target(body)) is not None


def _help_target(body: str) -> str:
    """What ``obj?`` asks about: the run of name characters before the final ``?`` or ``??``.

    Read backwards by hand: a regular expression searched from every position
    of a long line would take quadratic time.
    """
    code = body.rstrip()
    code = code[:-2] if code.endswith("??") else code[:-1]
    start = len(code)
    while start > 0 and (code[start - 1].isalnum() or code[start - 1] in "_*.[]-%"):
        start -= 1
    return code[start:]


def _scan(lines: list[str]) -> tuple[list[bool], list[tuple[int, int]]]:
    """Where statements may start, and the spans (first, last line) of IPython lines.

    An IPython line is not read as Python (its quotes and brackets are the
    shell's), and it extends over its backslash continuations.
    """
    starts: list[bool] = []
    spans: list[tuple[int, int]] = []
    depth, quote, continued = 0, None, False
    number = 0
    while number < len(lines):
        body = lines[number].rstrip("\r\n")
        lexed = _lex(body, depth, quote)
        at_start = depth == 0 and quote is None and not continued
        starts.append(at_start)
        if at_start and _is_escape(body, lexed):
            first = number
            while lines[number].rstrip("\r\n").endswith("\\") and number + 1 < len(lines):
                number += 1
                starts.append(False)
            spans.append((first, number))
        else:
            depth, quote, continued = lexed.depth, lexed.quote, lexed.continued
        number += 1
    return starts, spans


def statement_starts(lines: list[str]) -> list[bool]:
    """For each physical line, whether a new statement (a logical line) may start there."""
    return _scan(lines)[0]


def _blank_escapes(lines: list[str]) -> tuple[list[str], list[str]]:
    """Replace IPython lines (and their continuations) by ``pass``; return what they were.

    ``%time STATEMENT`` becomes the statement, which IPython runs once in the
    user's namespace (``%timeit`` runs it in a namespace of its own: ``pass``).
    """
    out = list(lines)
    removed: list[str] = []
    for first, last in _scan(lines)[1]:
        body = lines[first].rstrip("\r\n")
        indent = body[: len(body) - len(body.lstrip(" \t\f"))]
        timed = _TIMED.fullmatch(body.strip())
        if timed and first == last and _parses(timed.group(1)):
            out[first] = indent + timed.group(1) + lines[first][len(body) :]
            removed.append(f"{body.strip()[:NOTE_CHARS]} (l'instruction est exécutée)")
            continue
        removed.append(body.strip()[:NOTE_CHARS])
        out[first] = indent + "pass" + lines[first][len(body) :]
        for number in range(first + 1, last + 1):
            out[number] = lines[number][len(lines[number].rstrip("\r\n")) :]
    return out, removed


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


def _dedent(lines: list[str]) -> list[str]:
    """IPython's ``leading_indent``: the first code line's indentation comes off every line."""
    first = next((line for line in lines if not line.isspace()), "")
    indent = _INDENT.match(first)
    if indent is None:
        return lines
    prefix = indent.group()
    return [line[len(prefix) :] if line.startswith(prefix) else line for line in lines]


def prepare_cell(source: str, parses: bool | None = None) -> tuple[str, list[str]]:
    """The cell as plain Python, and the IPython lines taken out of it (for the report).

    A skipped cell magic gives an empty source; line numbers are kept.
    ``parses`` says whether ``source`` parses as Python, when the caller knows.
    """
    if parses if parses is not None else _parses(source):
        return source, []
    lines = physical_lines(source)
    notes: list[str] = []
    start = 0  # lines before ``start``: cell-magic lines and the blank lines before them
    while True:
        first = next((n for n in range(start, len(lines)) if not lines[n].isspace()), None)
        if first is None or not lines[first].lstrip(" \t").startswith("%%"):
            break
        head = lines[first].strip()
        if head[2:].partition(" ")[0] not in WRAPPER_MAGICS:
            return "", _bounded([*notes, f"{head[:NOTE_CHARS]} (cellule entière non exécutée)"])
        notes.append(f"{head[:NOTE_CHARS]} (le code de la cellule est exécuté)")
        start = first + 1
    body = lines[start:]
    if not _parses("".join(body)):
        body = _dedent(body)
        if not _parses("".join(body)):
            body, removed = _blank_escapes(body)
            notes.extend(removed)
    return "\n" * start + "".join(body), _bounded(notes)


def _bounded(notes: list[str]) -> list[str]:
    if len(notes) <= MAX_NOTES:
        return notes
    rest = len(notes) - MAX_NOTES + 1
    return [*notes[: MAX_NOTES - 1], f"… et {rest} autres lignes IPython dans cette cellule"]
