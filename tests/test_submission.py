"""Reading handed-in files: good ones become cells, bad ones a clear rejection."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tpgrade.judge.submission import (
    MAX_CELLS,
    MAX_CODE_BYTES,
    MAX_JSON_CONTAINERS,
    Rejected,
    nesting_problem,
    read_program,
)


def notebook(path: Path, *cells: nbformat.NotebookNode) -> Path:
    nb = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    nb.cells = list(cells)
    nbformat.write(nb, path)  # type: ignore[no-untyped-call]
    return path


def test_notebook_code_cells_in_order_with_shell_lines_removed(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "a.ipynb",
        nbformat.v4.new_markdown_cell("# titre"),  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np\n!pip install x\nx = 1"),  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell("%%bash\necho hi"),  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell("if True:\n    !ls\ny = 2"),  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell("plot()", metadata={"tags": ["exploration"]}),  # type: ignore[no-untyped-call]
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


# --- honest code keeps its cells -------------------------------------------------------


def test_form_feeds_and_carriage_returns_split_a_python_file_as_python_does(tmp_path: Path) -> None:
    path = tmp_path / "ff.py"
    path.write_bytes(b"import math\n\x0c\ndef f():\n    return 1\n\x0c\r\ndef g():\r    return 2\r")
    _, program = read_program(path)
    assert [cell.source for cell in program.cells] == [
        "import math\n",
        "def f():\n    return 1\n",
        "def g():\r    return 2\r",
    ]


def test_statements_sharing_a_line_are_one_cell_run_once(tmp_path: Path) -> None:
    path = tmp_path / "semi.py"
    path.write_text("counter = 0\ncounter += 1; counter += 1\nx = 2\n")
    _, program = read_program(path)
    assert [cell.source for cell in program.cells] == [
        "counter = 0\n",
        "counter += 1; counter += 1\n",
        "x = 2\n",
    ]


def test_percent_cell_marker_lines_are_not_code(tmp_path: Path) -> None:
    path = tmp_path / "marks.py"
    path.write_text('# %% Training\nx = 1\n#%% [markdown]\n# # Title\n# %%\ns = """\n# %% not a mark\n"""\n')
    _, program = read_program(path)
    assert [cell.source for cell in program.cells] == [
        "x = 1\n",
        "# # Title\n",
        's = """\n# %% not a mark\n"""\n',
    ]


def test_a_python_file_that_does_not_parse_loses_only_the_broken_statement(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text(
        'x = 1\ny = (2 +\n  3)\nz = = 4\ns = """\nw = 5\n"""\ntry:\n    pass\nexcept OSError:\n    pass\n@dec\ndef f(): pass\n'
    )
    _, program = read_program(path)
    assert [cell.source for cell in program.cells] == [
        "x = 1\n",
        "y = (2 +\n  3)\n",
        "z = = 4\n",
        's = """\nw = 5\n"""\n',
        "try:\n    pass\nexcept OSError:\n    pass\n",
        "@dec\ndef f(): pass\n",
    ]


def test_cell_magics_that_wrap_python_run_their_body_and_say_so(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "t.ipynb",
        nbformat.v4.new_code_cell("%%time\ndef f():\n    return 1"),  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell("%%writefile helper.py\ndef g():\n    return 2"),  # type: ignore[no-untyped-call]
    )
    _, program = read_program(path)
    assert [cell.source for cell in program.cells] == ["\ndef f():\n    return 1", ""]
    assert [note for _, note in program.shell_lines] == [
        "%%time (le code de la cellule est exécuté)",
        "%%writefile helper.py (cellule entière non exécutée)",
    ]


def test_exploration_cells_are_kept_as_written_and_not_read(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "e.ipynb",
        nbformat.v4.new_code_cell("!ls\n" + "x = a" + ".b" * 5000, metadata={"tags": ["exploration"]}),  # type: ignore[no-untyped-call]
    )
    _, program = read_program(path)
    assert program.skipped_cells == (0,) and program.shell_lines == () and program.unparsed == ()


# --- hostile shapes: graded, or rejected with a reason ------------------------------------

DEEP_EXPRESSIONS = [
    "x = a" + ".b" * 5000,
    "x = " + "-" * 100_000 + "1",
    "x = " + "-" * 300 + "1",
]  # attributes, the parser's limit, past MAX_NESTING


@pytest.mark.parametrize("deep", DEEP_EXPRESSIONS)
def test_a_cell_too_deep_for_the_judge_fails_alone_with_its_reason(tmp_path: Path, deep: str) -> None:
    path = notebook(tmp_path / "d.ipynb", nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell(deep))  # type: ignore[no-untyped-call]
    _, program = read_program(path)
    assert program.cells[0].source == "x = 1"
    assert [index for index, _ in program.unparsed] == [1]
    assert "trop imbriquée" in program.unparsed[0][1]
    with pytest.raises(SyntaxError, match="trop imbriquée"):
        exec(compile(program.cells[1].source, "<cellule 2>", "exec"), {})


def test_a_deep_statement_in_a_python_file_costs_only_itself(tmp_path: Path, reference_source: str) -> None:
    path = tmp_path / "deep.py"
    path.write_text(reference_source + "\nx = a" + ".b" * 5000 + "\n\ndef after():\n    return 1\n")
    _, program = read_program(path)
    assert len(program.unparsed) == 1
    assert any(cell.source.startswith("def diagnose_learning_curve") for cell in program.cells)
    assert program.cells[-1].source.startswith("def after")


def test_a_syntax_error_is_left_for_the_runner_to_report() -> None:
    assert nesting_problem("def f(:\n") is None
    assert nesting_problem("x = 1\x00") is None


def nb_bytes(**fields: object) -> bytes:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, **fields}).encode()


CODE: dict[str, object] = {"cell_type": "code", "source": "x = 1", "outputs": [], "execution_count": None}


@pytest.mark.parametrize(
    ("content", "cells"),
    [
        (nb_bytes(cells=[{**CODE, "metadata": [1, 2]}]), 1),
        (nb_bytes(cells=[{**CODE, "metadata": {"tags": "exploration"}}]), 1),
        (nb_bytes(cells=[{**CODE, "metadata": {"tags": {"exploration": True}}}]), 1),
        (nb_bytes(cells=[{**CODE, "metadata": {"tags": [["exploration"], {}, None]}}]), 1),
        (nb_bytes(cells=[{**CODE, "metadata": None}, "text", 3, None, [CODE]]), 1),
        (nb_bytes(cells=[{**CODE, "cell_type": ["code"]}, {"cell_type": "markdown", "source": 3}]), 0),
        (nb_bytes(cells=[{"cell_type": "code"}]), 1),
        (nb_bytes(cells=[], metadata=[{"kernelspec": []}]), 0),
        (nb_bytes(cells=[CODE], nbformat=5), 1),
    ],
)
def test_odd_metadata_and_cells_do_not_stop_reading(tmp_path: Path, content: bytes, cells: int) -> None:
    path = tmp_path / "odd.ipynb"
    path.write_bytes(content)
    _, program = read_program(path)
    assert len(program.cells) == cells and program.skipped_cells == ()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"nbformat": 4, "cells": [], "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "trop imbriquée"),
        (b'{"nbformat": 4, "cells": [], "x": ' + b"1" * 5000 + b"}", "valeur JSON inutilisable"),
        (json.dumps({"nbformat": 4, "worksheets": []}).encode(), "pas un notebook"),
        (json.dumps({"cells": []}).encode(), "nbformat absent"),
        (json.dumps({"nbformat": True, "cells": []}).encode(), "trop ancien"),
        (json.dumps({"nbformat": [4], "cells": []}).encode(), "nbformat absent"),
        (json.dumps({"nbformat": 4, "cells": {"0": CODE}}).encode(), "pas un notebook"),
        (nb_bytes(cells=[{**CODE, "source": ["x = 1", 2]}]), "cellule de code n° 1"),
        (nb_bytes(cells=[{**CODE, "source": {"x": 1}}]), "n'est pas du texte"),
        (nb_bytes(cells=[{**CODE, "source": "x = '\ud800'"}]), "caractère invalide"),
        (nb_bytes(cells=[CODE] * (MAX_CELLS + 1)), "cellules de code"),
        (nb_bytes(cells=[{**CODE, "source": "x = 1\n" * (MAX_CODE_BYTES // 6 + 1)}]), "trop de code"),
        (nb_bytes(cells=[CODE], metadata={"pad": [{}] * (MAX_JSON_CONTAINERS + 1)}), "trop complexe"),
    ],
)
def test_hostile_notebooks_are_rejected_with_a_reason(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "hostile.ipynb"
    path.write_bytes(content)
    with pytest.raises(Rejected) as caught:
        read_program(path)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_too_much_python_code_is_rejected_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    path.write_text("x;" * (MAX_CODE_BYTES // 2 + 1))
    with pytest.raises(Rejected, match="trop de code"):
        read_program(path)


def test_many_statements_in_a_python_file_are_grouped_into_at_most_the_cell_limit(tmp_path: Path) -> None:
    path = tmp_path / "many.py"
    path.write_text("".join(f"x{i} = {i}\n" for i in range(MAX_CELLS * 2 + 3)))
    _, program = read_program(path)
    assert len(program.cells) <= MAX_CELLS
    assert "".join(cell.source for cell in program.cells) == path.read_text()


def test_brackets_inside_strings_do_not_count_as_json_objects(tmp_path: Path) -> None:
    printed = "[[0.1 0.2]\n [0.3 0.4]]\n" * (MAX_JSON_CONTAINERS // 2)
    output = {"output_type": "stream", "name": "stdout", "text": printed}
    path = tmp_path / "printed.ipynb"
    path.write_bytes(nb_bytes(cells=[{**CODE, "outputs": [output]}]))
    _, program = read_program(path)
    assert [cell.source for cell in program.cells] == ["x = 1"]
