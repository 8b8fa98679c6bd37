"""Similarity: renamed copies are found, independent work and the shared stub are not."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tpgrade import paths
from tpgrade.app import app

INDEPENDENT = '''
import numpy as np

def softmax(Z):
    e = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)

def grad_quadratic(x):
    return np.array([2 * x[0], 6 * x[1]])
'''


def renamed(source: str) -> str:
    """The same code with other names, comments and docstrings: what a copier does."""
    for old, new in (("params", "theta"), ("grads", "gradients"), ("cache", "memo"), ("logits", "scores")):
        source = source.replace(old, new)
    return "# my own work\n" + source.replace("\ndef ", "\n# written by me\ndef ")


def test_renamed_copies_are_reported_and_independent_work_is_not(tmp_path: Path, reference_source: str) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "alice.py").write_text(reference_source)
    (folder / "bob.py").write_text(renamed(reference_source))
    (folder / "carla.py").write_text(INDEPENDENT)
    (folder / "dora.ipynb").write_bytes(paths.stub_notebook("day2").read_bytes())
    (folder / "emma.ipynb").write_bytes(paths.stub_notebook("day2").read_bytes())
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(app, ["similarity", "day2", str(folder), "--out", str(out), "--threshold", "0.5"])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "student_a,student_b,similarity"
    assert [line.rsplit(",", 1)[0] for line in lines[1:]] == ["alice,bob"]
    assert float(lines[1].rsplit(",", 1)[1]) > 0.9
