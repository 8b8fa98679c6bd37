"""Malformed files of every shape: reading gives a program or a Rejected, nothing else.

The shapes are drawn from a seeded generator (the same cases on every run):
random JSON for the notebook, its cells, their metadata and source, nbformat
variants, deep nesting, broken bytes, and ``.py`` text made of awkward
pieces. ``tpgrade similarity`` is then run over all of them at once.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tpgrade.cohort.intake import from_files
from tpgrade.commands.app import app
from tpgrade.judge.submission import Program, Rejected, nesting_problem, read_program
from tpgrade.reports.similarity import compare

CASES = 300
CODE_PIECES = [
    "x = 1\n",
    "def f(a):\n    return a\n",
    "!pip install numpy\n",
    "%matplotlib inline\n",
    "%%time\n",
    "%%bash\necho hi\n",
    "y = (x\n     != 2)\n",
    "files = !ls\n",
    "np.mean?\n",
    "\x0c\n",
    "\r",
    's = """\n!inside\n',
    '"""\n',
    "x = a" + ".b" * 3000 + "\n",
    "x = " + "-" * 20_000 + "1\n",
    "x = " + "(" * 300 + ")" * 300 + "\n",
    "def g(:\n",
    "    indented = 1\n",
    "\\\n",
    "# %%\n",
    "x = '\x00'\n",
    "if True:\n",
    "z = 10" + "0" * 5000 + "\n",
]


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False, 0, -1, 4, 4.0, 1e308, 10**30])
    if kind == 2:
        return rng.choice(["", "code", "exploration", "x = 1", "\ud800", "\x00", "%%time\nx = 1"])
    if kind == 3:
        return [rng.choice(CODE_PIECES) for _ in range(rng.randrange(4))]
    if kind == 4:
        return rng.choice(CODE_PIECES)
    if kind in (5, 6):
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["cells", "cell_type", "source", "metadata", "tags", "nbformat", "outputs", "x"]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


def random_cell(rng: random.Random) -> Any:
    if rng.random() < 0.15:
        return random_json(rng)
    cell: dict[str, Any] = {
        "cell_type": rng.choice(["code", "code", "code", "markdown", "raw", 1, None, ["code"]])
    }
    choice = rng.randrange(6)
    if choice == 0:
        cell["source"] = "".join(rng.choice(CODE_PIECES) for _ in range(rng.randrange(1, 5)))
    elif choice == 1:
        cell["source"] = [rng.choice(CODE_PIECES) for _ in range(rng.randrange(1, 5))]
    elif choice < 5:
        cell["source"] = random_json(rng)
    metadata_choice = rng.randrange(5)
    if metadata_choice == 0:
        cell["metadata"] = {"tags": random_json(rng)}
    elif metadata_choice == 1:
        cell["metadata"] = random_json(rng)
    elif metadata_choice == 2:
        cell["metadata"] = {"tags": ["exploration"]}
    return cell


def random_notebook(rng: random.Random) -> bytes:
    nbformat = rng.choice([4, 4, 4, 5, 3, "4", None, True, 4.5, [4], {"major": 4}])
    data: dict[str, Any] = {"nbformat": nbformat, "nbformat_minor": rng.choice([5, "x", None])}
    shape = rng.randrange(6)
    if shape < 3:
        data["cells"] = [random_cell(rng) for _ in range(rng.randrange(8))]
    elif shape == 3:
        data["cells"] = random_json(rng)
    elif shape == 4:
        data["worksheets"] = [{"cells": [random_cell(rng)]}]
    if rng.random() < 0.3:
        data["metadata"] = random_json(rng)
    text = json.dumps(data)
    twist = rng.randrange(10)
    if twist == 0:  # deep JSON somewhere in the document
        text = text[:-1] + ', "deep": ' + deep(rng.choice([500, 5_000, 200_000])) + "}"
    elif twist == 1:  # a cut or corrupted file
        cut = rng.randrange(len(text))
        text = text[:cut] + rng.choice(["", "\x00", "}", "]]]", '"'])
    elif twist == 2:
        text = rng.choice([deep(100_000), "[" * 300, "1" * 5000, '"just a string"', "null", "NaN"])
    return text.encode("utf-8", "surrogatepass")


def random_python(rng: random.Random) -> bytes:
    text = "".join(rng.choice(CODE_PIECES) for _ in range(rng.randrange(1, 12)))
    raw = text.encode("utf-8")
    if rng.random() < 0.1:
        raw = raw + b"\xff\xfe"
    return raw


def write_cases(folder: Path) -> list[Path]:
    rng = random.Random(20240611)
    folder.mkdir()
    paths = []
    for number in range(CASES):
        python = rng.random() < 0.3
        path = folder / f"case{number:03d}.{'py' if python else 'ipynb'}"
        path.write_bytes(random_python(rng) if python else random_notebook(rng))
        paths.append(path)
    return paths


def check_program(program: Program) -> None:
    """What reaches the runner is text the judge could parse, or a plain syntax error."""
    assert all(isinstance(cell.source, str) for cell in program.cells)
    assert [cell.index for cell in program.cells] == list(range(len(program.cells)))
    assert all(0 <= index < len(program.cells) for index in program.skipped_cells)
    for cell in program.cells:
        if cell.index not in program.skipped_cells:
            assert nesting_problem(cell.source) is None
    for _, note in program.shell_lines:
        assert isinstance(note, str) and "\n" not in note


def test_reading_malformed_files_gives_a_program_or_a_rejection(tmp_path: Path) -> None:
    outcomes = {"program": 0, "rejected": 0}
    for path in write_cases(tmp_path / "cases"):
        try:
            _, program = read_program(path)
        except Rejected as rejection:
            message = str(rejection)
            assert message and "\n" not in message and len(message) < 300, (path.name, message)
            outcomes["rejected"] += 1
        else:
            check_program(program)
            outcomes["program"] += 1
    assert outcomes["program"] > 50 and outcomes["rejected"] > 50  # both sides were exercised


def test_similarity_over_malformed_files_notes_what_it_skips(tmp_path: Path) -> None:
    paths = write_cases(tmp_path / "cases")
    from tpgrade import paths as course

    result = compare(from_files(paths), course.stub_notebook("day2"), 0.5)
    noted = {student for student, _ in result.notes}
    assert noted and all(isinstance(reason, str) and reason for _, reason in result.notes)
    out = tmp_path / "pairs.csv"
    command = ["similarity", "day2", str(tmp_path / "cases"), "--out", str(out), "--threshold", "0.9"]
    invoked = CliRunner().invoke(app, command)
    assert invoked.exit_code == 0, invoked.output
    assert out.read_text().startswith("student_a,student_b,similarity")
