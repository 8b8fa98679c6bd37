"""Honest code written in unusual but valid forms gets the reference's full marks.

The Day 2 reference is handed in with form feeds between its sections (PEP 8
allows them), with a cell under ``%%time``, with a continuation line that
starts with ``!=``, next to a cell too deeply nested to compile, and with
metadata of odd types. Each must be graded 21/21 and stored; a notebook whose
JSON is too deep is rejected, with its reason, and stored too.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tpgrade import paths
from tpgrade.cohort.batch import grade_all
from tpgrade.cohort.intake import from_files
from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.judge.engine import GradingConfig
from tpgrade.judge.submission import read_program
from tpgrade.sandbox.none import NoSandbox

NUMPY_CHECK = "    if not (isinstance(x, np.ndarray) and x.dtype == np.float64):"


def statements(source: str) -> list[str]:
    tree = ast.parse(source)
    lines = source.split("\n")
    return [
        "\n".join(
            lines[min([n.lineno, *(d.lineno for d in getattr(n, "decorator_list", []))]) - 1 : n.end_lineno]
        )
        for n in tree.body
    ]


def code_cell(source: str, **metadata: object) -> dict[str, object]:
    return {
        "cell_type": "code",
        "metadata": metadata,
        "execution_count": None,
        "outputs": [],
        "source": source.splitlines(keepends=True),
    }


def notebook(cells: list[dict[str, object]], **extra: object) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells, **extra})


def honest_forms(reference: str) -> dict[str, str]:
    parts = statements(reference)
    assert NUMPY_CHECK in reference
    timed = [("%%time\n" + p) if p.startswith("def train_mlp_numpy") else p for p in parts]
    return {
        "formfeed.py": reference.replace("\n\n# --- ", "\n\x0c\n# --- "),
        "crlf_formfeed.py": reference.replace("\n\n# --- ", "\n\x0c\n# --- ").replace("\n", "\r\n"),
        "noteq.py": reference.replace(
            NUMPY_CHECK,
            "    if (not isinstance(x, np.ndarray)\n            or x.dtype\n            != np.float64):",
        ),
        "timed.ipynb": notebook([code_cell(p) for p in timed]),
        "deep_cell.ipynb": notebook([code_cell(reference), code_cell("x = a" + ".b" * 5000)]),
        "deep_statement.py": reference + "\nx = " + "-" * 100_000 + "1\n",
        "odd_metadata.ipynb": notebook(
            [code_cell(reference), {**code_cell("raise SystemExit"), "metadata": ["exploration"]}],
            metadata=[1, 2],
        ),
        "string_tags.ipynb": notebook([{**code_cell(reference), "metadata": {"tags": "exploration"}}]),
    }


def test_the_unusual_forms_read_as_the_same_code(tmp_path: Path, reference_source: str) -> None:
    plain = "".join(statements(reference_source))
    for name in ("formfeed.py", "crlf_formfeed.py", "timed.ipynb"):
        path = tmp_path / name
        path.write_text(honest_forms(reference_source)[name], newline="")
        _, program = read_program(path)
        code = "".join(cell.source.replace("\r\n", "\n").lstrip("\n") for cell in program.cells)
        assert code.replace("\n", "") == plain.replace("\n", ""), name


@pytest.mark.slow
def test_honest_forms_get_full_marks_and_are_stored(tmp_path: Path, reference_source: str) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    for name, text in honest_forms(reference_source).items():
        (folder / name).write_text(text, newline="")
    (folder / "deep_json.ipynb").write_text(
        notebook([code_cell(reference_source)])[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    config = GradingConfig(
        day="day2", tests_dir=paths.graders_dir("day2"), sandbox=NoSandbox(), grader_version="v", seed=7
    )
    store = SqliteStore(tmp_path / "store.sqlite")
    outcomes = {
        o.result.student: o.result for o in grade_all(from_files(sorted(folder.iterdir())), config, store)
    }
    rejected = outcomes.pop("deep_json")
    assert rejected.status == "rejected" and "trop imbriquée" in rejected.message
    for student, result in outcomes.items():
        assert (result.status, result.score, result.max_score) == ("graded", 21.0, 21.0), (student, result)
        assert not [q for q in result.questions.values() if q.status == "grader_error"]
    assert store.count("day2") == len(outcomes) + 1
    timed = outcomes["timed"].load
    assert timed is not None
    assert [issue.message for issue in timed.issues] == [
        "ligne IPython ignorée : %%time (le code de la cellule est exécuté)"
    ]
    for student in ("deep_cell", "deep_statement"):
        load = outcomes[student].load
        assert load is not None
        assert [issue.kind for issue in load.issues] == ["error"]
        assert "trop imbriquée" in load.issues[0].message
