"""The one-line public check inside a notebook, run in a real kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tpgrade.check import all_passed, check_namespace
from tpgrade.demo import _definitions, fill_stub


def test_check_in_namespace_passes_on_the_reference(reference_source: str) -> None:
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(reference_source, "<reference>", "exec"), namespace)
    questions = check_namespace("day2", namespace)
    assert all_passed(questions)
    del namespace["softmax"]
    assert check_namespace("day2", namespace)["softmax"].status == "not_implemented"


def test_one_line_check_in_a_kernel(tmp_path: Path, reference_source: str) -> None:
    notebook = fill_stub(_definitions(reference_source), reference_source)
    notebook.cells = [cell for cell in notebook.cells if "exploration" not in cell.metadata.get("tags", [])]
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            'from tpgrade.notebook import check\nok = check("day2")\nprint("RESULT", ok)'
        )
    )
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    text = "".join(output.get("text", "") for output in notebook.cells[-1].outputs)
    assert "RESULT True" in text and "✔ softmax" in text
