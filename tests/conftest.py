"""Shared fixtures: the course material and small cohorts written under tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tpgrade import paths


@pytest.fixture(scope="session")
def reference_source() -> str:
    return paths.reference_file("day2").read_text(encoding="utf-8")


@pytest.fixture
def small_cohort(tmp_path: Path, reference_source: str) -> Path:
    """A correct .py, the untouched stub, and two files that must be rejected."""
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "alice.py").write_text(reference_source)
    shutil.copy(paths.stub_notebook("day2"), folder / "dora.ipynb")
    (folder / "bob.ipynb").write_text('{"cells": [')
    (folder / "carl.ipynb").write_text("")
    return folder
