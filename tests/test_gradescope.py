"""Gradescope's autograder zip, and its run_autograder run on a submission in a temporary
/autograder-like folder."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest

from tpgrade.course.demo import _definitions, fill_stub
from tpgrade.course.gradescope import build


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("day2", tmp_path_factory.mktemp("gradescope") / "autograder_day2.zip")


def test_the_zip_holds_what_gradescope_runs_and_the_day_s_material_only(autograder: Path) -> None:
    with zipfile.ZipFile(autograder) as bundle:
        names = bundle.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in bundle.infolist()}
        setup = bundle.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder"} <= set(names)
    assert all(modes[n] & stat.S_IXUSR for n in ("setup.sh", "run_autograder"))
    assert any(n.startswith("tpgrade-") and n.endswith(".whl") for n in names)
    assert "course/graders/day2/test_adam_step.py" in names and "course/reference/day2/solution.py" in names
    assert not [n for n in names if n.startswith("course/") and "/day2/" not in n]
    assert "go-rwx /autograder/source/course" in setup  # the graders: the judge's only


@pytest.mark.slow
def test_run_autograder_writes_gradescope_results(
    tmp_path: Path, autograder: Path, reference_source: str
) -> None:
    root = tmp_path / "autograder"
    source = root / "source"
    with zipfile.ZipFile(autograder) as bundle:
        bundle.extractall(source)
    (source / "run_autograder").chmod(0o755)
    submission = root / "submission"
    submission.mkdir(parents=True)
    nbformat.write(fill_stub(_definitions(reference_source), reference_source), submission / "tp_day2.ipynb")  # type: ignore[no-untyped-call]
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    env.pop("TPGRADE_COURSE", None)
    done = subprocess.run(
        [str(source / "run_autograder")], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 21 and len(results["tests"]) == 10
    assert all(t["status"] == "passed" for t in results["tests"])
    assert "sandbox:" in results["output"]

    for path in submission.iterdir():
        path.unlink()
    (submission / "notes.pdf").write_bytes(b"%PDF-1.4")
    done = subprocess.run(
        [str(source / "run_autograder")], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    refused = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert refused["score"] == 0 and "non pris en charge (.pdf)" in refused["output"]
