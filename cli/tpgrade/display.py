"""Text from a submission, made safe to print on a terminal.

File and folder names, ids, messages and answers come from students: an
escape sequence in a file name would clear the instructor's screen, a
newline would forge a line of the score table, and a bidi override would
show a name reversed. :func:`shown` writes every such character as an
escape (``\\x1b``, ``\\n``, ``\\u202e``); everything else, accents and
zero-width joiners included, is kept. It does not touch console markup:
print the result with ``markup=False``, as a ``rich.text.Text``, or through
:func:`shown_markup`. :func:`shown_id` also quotes an id whose spaces at
its ends would hide it (``carol`` and ``carol `` are two students).
"""

from __future__ import annotations

from rich.markup import escape

_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_LINE_BREAKS = (0x2028, 0x2029)
_SURROGATES = range(0xD800, 0xE000)  # undecodable bytes of a file name; not printable at all
_ESCAPED = (*range(0x20), 0x7F, *range(0x80, 0xA0), *_BIDI, *_LINE_BREAKS, *_SURROGATES)
_TABLE = {code: (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}") for code in _ESCAPED}
_TABLE.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def shown(text: object) -> str:
    """``text`` with control characters (C0, DEL, C1), bidi controls, line and paragraph
    separators and lone surrogates written as escapes."""
    return str(text).translate(_TABLE)


def shown_markup(text: object) -> str:
    """:func:`shown`, also made inert as rich console markup."""
    return escape(shown(text))


def shown_id(student: str) -> str:
    """A student id for a table: :func:`shown`, quoted where spaces at its ends would hide."""
    text = shown(student)
    return f"'{text}'" if text != text.strip() or not text else text
