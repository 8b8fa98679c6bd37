"""The one-line public check inside a notebook, run in a real kernel: it checks the saved
file the way grading loads it, and says when the kernel runs something else."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tpgrade.course.check import all_passed, check_namespace
from tpgrade.course.demo import _definitions, fill_stub

# Starts Jupyter kernels: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow

CHECK_CELL = 'from tpgrade.notebook import check\nok = check("day2")\nprint("RESULT", ok)'
SOFTMAX_WITH_HELPER = "def softmax(z):\n    return _normalised(np.exp(z - z.max(axis=-1, keepdims=True)))\n"
HELPER = "import numpy as np\n\n\ndef _normalised(e):\n    return e / e.sum(axis=-1, keepdims=True)\n"


def test_check_in_namespace_passes_on_the_reference(reference_source: str) -> None:
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(reference_source, "<reference>", "exec"), namespace)
    questions = check_namespace("day2", namespace)
    assert all_passed(questions)
    del namespace["softmax"]
    assert check_namespace("day2", namespace)["softmax"].status == "not_implemented"


def solved(reference_source: str) -> nbformat.NotebookNode:
    notebook = fill_stub(_definitions(reference_source), reference_source)
    notebook.cells = [cell for cell in notebook.cells if "exploration" not in cell.metadata.get("tags", [])]
    return notebook


def run_check(notebook: nbformat.NotebookNode, folder: Path) -> str:
    """Execute ``notebook`` (as it stands in memory) in a kernel started in ``folder``."""
    notebook.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))  # type: ignore[no-untyped-call]
    NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return "".join(output.get("text", "") for output in notebook.cells[-1].outputs)


def test_one_line_check_in_a_kernel(tmp_path: Path, reference_source: str) -> None:
    notebook = solved(reference_source)
    nbformat.write(notebook, tmp_path / "tp_day2.ipynb")  # type: ignore[no-untyped-call]
    text = run_check(notebook, tmp_path)
    assert "RESULT True" in text and "✔ softmax" in text
    assert "⚠" not in text


def test_a_helper_defined_only_in_an_exploration_cell_fails_as_in_grading(
    tmp_path: Path, reference_source: str
) -> None:
    notebook = solved(reference_source)
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith("def softmax"):
            cell.source = SOFTMAX_WITH_HELPER
            helper = nbformat.v4.new_code_cell(HELPER, metadata={"tags": ["exploration"]})  # type: ignore[no-untyped-call]
            notebook.cells.insert(notebook.cells.index(cell), helper)
            break
    else:
        raise AssertionError("no softmax cell")
    nbformat.write(notebook, tmp_path / "tp_day2.ipynb")  # type: ignore[no-untyped-call]
    text = run_check(notebook, tmp_path)  # the kernel ran the helper: softmax works there
    assert "RESULT False" in text
    assert "✘ softmax" in text and "_normalised" in text


def test_code_run_but_not_saved_is_said_and_the_file_is_what_is_checked(
    tmp_path: Path, reference_source: str
) -> None:
    saved = fill_stub({}, "")  # the untouched stub on disk
    nbformat.write(saved, tmp_path / "tp_day2.ipynb")  # type: ignore[no-untyped-call]
    text = run_check(copy.deepcopy(solved(reference_source)), tmp_path)  # solved in the kernel only
    assert "RESULT False" in text
    assert "⚠ softmax" in text and "enregistrez" in text
    assert "✘ softmax : non implémentée" in text


def test_no_notebook_file_is_a_clear_error(tmp_path: Path, reference_source: str) -> None:
    text = run_check(solved(reference_source), tmp_path)
    assert "RESULT False" in text and "notebook introuvable" in text
