"""``--device cuda``: graded on the GPU where one is visible, else a clear error before grading."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from tpgrade.commands.app import app

# Grades real submissions: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow


def test_cuda_device_grades_on_a_gpu_or_says_none_is_visible(tmp_path: Path, reference_source: str) -> None:
    submission = tmp_path / "alice.py"
    submission.write_text(reference_source)
    args = ["grade", "day2", str(submission), "--store", str(tmp_path / "s.sqlite"), "--sandbox", "process"]
    result = CliRunner().invoke(app, [*args, "--device", "cuda"])
    if torch.cuda.is_available():
        assert result.exit_code == 0, result.output
        assert "21 / 21" in result.output
    else:
        assert result.exit_code == 4, result.output
        assert "no GPU is visible" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_unknown_device_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["grade", "day2", str(tmp_path), "--device", "tpu"])
    assert result.exit_code == 2 and "choose cpu or cuda" in result.output
