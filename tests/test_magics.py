"""IPython syntax in cells: taken out where IPython would see it, and nowhere else."""

from __future__ import annotations

import ast

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from tpgrade.magics import MAX_NOTES, WRAPPER_MAGICS, physical_lines, prepare_cell, statement_starts


def changed(before: str, after: str) -> list[int]:
    """The line numbers (from 1) that differ."""
    pairs = zip(before.split("\n"), after.split("\n"), strict=True)
    return [n for n, (old, new) in enumerate(pairs, 1) if old != new]


@pytest.mark.parametrize(
    "cell",
    [
        "ok = (a\n      != b)\n",
        "ok = a \\\n    != b\n",
        "d = {'k': 1,\n     'm': 2}\n",
        's = """\n!not a shell line\n%not a magic\n"""\n',
        "y = x % 2\nz = x %\\\n  3\n",
        "def f(x):\n    return (x\n            % 2)\n",
        "\x0cx = 1\n\x0c\ny = 2\n",
    ],
)
def test_python_is_left_exactly_as_written(cell: str) -> None:
    assert prepare_cell(cell) == (cell, [])


CELLS_WITH_IPYTHON_SYNTAX = [
    "%matplotlib inline\nimport numpy as np\n!pip install x\nx = 1",
    "if True:\n    !ls\ny = 2",
    "x = (a\n     != b)\n!ls",
    "x = a \\\n  != b\n%time f()",
    's = """\n!not shell\n%not magic\n"""\n!ls',
    "files = !ls -la\nout = %time f(1)\nx = 1",
    "a, b = !ls\nd['k'] = %env\nx == !y",
    "np.mean?\nx = 1",
    "x = 1 # really?\n!ls",
    "print('it''s')\n!echo \"it's\"\ny = [1,\n2]\n!ls",
    "def f(x):\n    return x % 2\n%who",
    "x = {'a': 1,\n  'b': 2}\n%whos",
    "lambda a=1: a\n!ls",
    "y = 3\ny %= 2\n!ls",
    "x = f(a=!b)\n!ls",
    "s = 'abc\\\n!def'\n!ls",
    "x = 1; !ls\n%pwd",
    "x = 1\n?x",
    "f = lambda: 0\nf ?",
    "x = [\n  1,\n  2\n]\n%who\ny = (\n!ls)",
]


@pytest.mark.parametrize("cell", CELLS_WITH_IPYTHON_SYNTAX)
def test_the_lines_taken_out_are_those_ipython_rewrites(cell: str) -> None:
    ipython = TransformerManager().transform_cell(cell)  # type: ignore[no-untyped-call]
    expected = [n for n, line in enumerate(ipython.split("\n"), 1) if "get_ipython()" in line]
    source, notes = prepare_cell(cell)
    assert changed(cell, source) == expected  # line numbers kept
    assert len(notes) == len(expected)


def test_a_continuation_line_starting_with_not_equal_stays_with_a_real_shell_line() -> None:
    cell = "!pip install x\nif (a\n        != b):\n    !echo hi\n"
    source, notes = prepare_cell(cell)
    assert source == "pass\nif (a\n        != b):\n    pass\n"
    assert notes == ["!pip install x", "!echo hi"]
    ast.parse(source)


def test_time_runs_its_statement_and_timeit_does_not() -> None:
    source, notes = prepare_cell("%time history = train(1)\n%timeit y = f()\nif True:\n    %time z = g(\n")
    assert source == "history = train(1)\npass\nif True:\n    pass\n"
    assert notes == [
        "%time history = train(1) (l'instruction est exécutée)",
        "%timeit y = f()",
        "%time z = g(",
    ]


def test_a_magic_line_takes_its_backslash_continuations_with_it() -> None:
    source, notes = prepare_cell("!echo a \\\n  b\nx = 1\n")
    assert source == "pass\n\nx = 1\n" and notes == ["!echo a \\"]


@pytest.mark.parametrize("magic", sorted(WRAPPER_MAGICS))
def test_wrapper_cell_magics_run_their_body(magic: str) -> None:
    source, notes = prepare_cell(f"%%{magic} -q out\ndef f():\n    return 1\n!ls\n")
    assert source == "\ndef f():\n    return 1\npass\n"
    assert notes[0].startswith(f"%%{magic}") and "exécuté" in notes[0]
    assert notes[1] == "!ls"


@pytest.mark.parametrize("magic", ["bash", "writefile f.py", "html", "python", "script python", "javascript"])
def test_other_cell_magics_skip_the_cell(magic: str) -> None:
    source, notes = prepare_cell(f"%%{magic}\ndef f():\n    return 1\n")
    assert source == ""
    assert notes == [f"%%{magic} (cellule entière non exécutée)"]


def test_a_cell_magic_may_follow_blank_lines_and_be_indented_but_not_follow_code() -> None:
    source, _ = prepare_cell("\n  \n  %%time\n  x = 1\n  y = x\n")
    assert source == "\n\n\nx = 1\ny = x\n"
    source, notes = prepare_cell("# comment\n%%time\nx = 1\n")
    assert source == "# comment\npass\nx = 1\n" and notes == ["%%time"]  # a line magic there


def test_nested_wrappers_and_a_wrapper_around_a_skipped_magic() -> None:
    assert prepare_cell("%%capture\n%%time\nx = 1\n")[0] == "\n\nx = 1\n"
    assert prepare_cell("%%capture\n%%bash\necho hi\n")[0] == ""


def test_an_indented_cell_is_dedented_as_ipython_does() -> None:
    assert prepare_cell("    x = 1\n    !ls\n    y = x\n")[0] == "x = 1\npass\ny = x\n"


def test_notes_are_bounded_per_cell() -> None:
    source, notes = prepare_cell("!ls\n" * 1000 + "%%time\n" * 3)
    assert len(notes) == MAX_NOTES and "autres lignes" in notes[-1]
    assert source.count("pass") == 1003


def test_lines_are_split_only_where_python_splits_them() -> None:
    text = "a = 1\r\nb = 2\rc = 3\x0c\x0b\x1c\x85\u2028d\n\x0ce = 4"
    assert physical_lines(text) == ["a = 1\r\n", "b = 2\r", "c = 3\x0c\x0b\x1c\x85\u2028d\n", "\x0ce = 4"]
    assert "".join(physical_lines(text)) == text
    assert physical_lines("") == []


def test_statement_starts_know_brackets_strings_and_continuations() -> None:
    lines = physical_lines('x = (1,\n2)\ns = """\ndef f():\n"""\ny = 1 \\\n  + 2\nz = 3\n')
    assert statement_starts(lines) == [True, False, True, False, False, True, False, True]
