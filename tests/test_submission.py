"""Reading handed-in files: good ones become cells, bad ones a clear rejection."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tpgrade.submission import Rejected, read_program


def notebook(path: Path, *cells: nbformat.NotebookNode) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nbformat.write(nb, path)
    return path


def test_notebook_code_cells_in_order_with_shell_lines_removed(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "a.ipynb",
        nbformat.v4.new_markdown_cell("# titre"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np\n!pip install x\nx = 1"),
        nbformat.v4.new_code_cell("%%bash\necho hi"),
        nbformat.v4.new_code_cell("if True:\n    !ls\ny = 2"),
        nbformat.v4.new_code_cell("plot()", metadata={"tags": ["exploration"]}),
    )
    _, program = read_program(path)
    assert [cell.source for cell in program.cells][:3] == [
        "pass\nimport numpy as np\npass\nx = 1",
        "",
        "if True:\n    pass\ny = 2",
    ]
    assert program.skipped_cells == (3,)
    assert len(program.shell_lines) == 4


def test_python_file_splits_so_a_syntax_error_costs_one_part(tmp_path: Path) -> None:
    path = tmp_path / "b.py"
    path.write_text(
        "import numpy as np\n\ndef good():\n    return 1\n\ndef bad(:\n    pass\n\ndef also_good():\n    return 2\n"
    )
    _, program = read_program(path)
    sources = [cell.source for cell in program.cells]
    assert any("def good" in s for s in sources) and any("def also_good" in s for s in sources)
    assert not any("def good" in s and "def bad" in s for s in sources)


def test_python_percent_cells(tmp_path: Path) -> None:
    path = tmp_path / "c.py"
    path.write_text("# %%\nx = 1\n# %%\ny = 2\n")
    _, program = read_program(path)
    assert [cell.source.strip() for cell in program.cells] == ["x = 1", "y = 2"]


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("empty.ipynb", b"", "vide"),
        ("text.ipynb", b"hello, I am not JSON", "JSON invalide"),
        ("corrupt.ipynb", b'{"cells": [', "JSON invalide"),
        ("list.ipynb", b"[1, 2, 3]", "pas un notebook"),
        (
            "old.ipynb",
            json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}).encode(),
            "nbformat 3",
        ),
        ("latin1.py", "x = 'é'\n".encode("latin-1"), "UTF-8"),
        ("report.pdf", b"%PDF-1.4", "type de fichier"),
        (
            "bad_cell.ipynb",
            json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}).encode(),
            "mal formé",
        ),
    ],
)
def test_bad_files_are_rejected_with_one_clear_line(
    tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(Rejected) as caught:
        read_program(path)
    message = str(caught.value)
    assert fragment in message and "\n" not in message


def test_huge_file_is_rejected_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.ipynb"
    with path.open("wb") as stream:
        stream.truncate(200 << 20)  # sparse: 200 MB that cost no disk
    with pytest.raises(Rejected, match="trop volumineux"):
        read_program(path)
