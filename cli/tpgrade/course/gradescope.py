"""Gradescope's autograder: the zip Gradescope builds its image from, and the run inside it.

``tpgrade gradescope build DAY --out autograder_DAY.zip`` writes what
Gradescope's "Configure Autograder" page takes: ``setup.sh`` (installs the
tpgrade wheel the zip holds, with bubblewrap), ``run_autograder`` (grades the
files in ``/autograder/submission`` and writes
``/autograder/results/results.json``), and the day's course material
(assignments, graders, reference) under ``course/``, readable by root only.

Inside Gradescope's container the split between judge and runner is kept as
everywhere else: ``tpgrade gradescope run`` is the judge (it reads the graders
and the reference), and the student's code runs in a sandbox (docker or the
process sandbox, in its own namespaces and as another user). Where the
container allows neither, nothing of the student's runs: the results say so,
since an unsandboxed runner there would be root beside the graders.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tpgrade import paths
from tpgrade.errors import BuildError, InputError, SandboxUnavailable, TpgradeError

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission (as root, in the image setup.sh built).
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
export TPGRADE_COURSE="$ROOT/source/course"
mkdir -p "$ROOT/results"
exec tpgrade gradescope run {day} --root "$ROOT"
"""
SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image (Ubuntu, as root).
set -euo pipefail
apt-get update
apt-get install -y python3 python3-pip python3-venv bubblewrap
python3 -m venv /opt/tpgrade
/opt/tpgrade/bin/pip install --upgrade pip
/opt/tpgrade/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
/opt/tpgrade/bin/pip install /autograder/source/{wheel}
ln -sf /opt/tpgrade/bin/tpgrade /usr/local/bin/tpgrade
chmod -R go-rwx /autograder/source/course  # the graders and the reference: the judge's only
"""


def _day_material(day: str) -> list[tuple[Path, str]]:
    """(file, path in the zip) of the day's assignment, graders and reference."""
    root = paths.course_root()
    files: list[tuple[Path, str]] = []
    for part in ("assignments", "graders", "reference"):
        folder = root / part / day
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.append((path, f"course/{path.relative_to(root).as_posix()}"))
    return files


def _wheel(scratch: Path) -> Path:
    """tpgrade's wheel, built from the checkout it runs from."""
    project = paths.PACKAGE_DIR.parents[1]
    if not (project / "pyproject.toml").is_file():
        raise InputError("tpgrade gradescope build needs tpgrade's source checkout (no pyproject.toml found)")
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        str(scratch),
    ]
    done = subprocess.run([*command, str(project)], capture_output=True, text=True)
    wheels = sorted(scratch.glob("tpgrade-*.whl"))
    if done.returncode != 0 or not wheels:
        raise BuildError(f"could not build tpgrade's wheel: {done.stderr.strip()[-500:]}")
    return wheels[0]


def build(day: str, out: Path) -> Path:
    """Write Gradescope's autograder zip for ``day``."""
    day = paths.check_day(day)
    material = _day_material(day)
    with tempfile.TemporaryDirectory(prefix="tpgrade-gradescope-") as scratch:
        wheel = _wheel(Path(scratch))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, text in (
                ("setup.sh", SETUP.format(wheel=wheel.name)),
                ("run_autograder", RUN_AUTOGRADER.format(day=day)),
            ):
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o755 << 16  # executable once unzipped
                bundle.writestr(info, text)
            bundle.write(wheel, wheel.name)
            for path, name in material:
                bundle.write(path, name)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(buffer.getvalue())
    except OSError as exc:
        raise InputError(f"{out}: cannot write the autograder zip ({exc.strerror or exc})") from None
    return out


def run(day: str, root: Path) -> dict[str, object]:
    """Grade the submission in ``root/submission`` and write ``root/results/results.json``."""
    from tpgrade.cohort.intake import gather
    from tpgrade.judge.engine import GradingConfig, grade_file, grader_version
    from tpgrade.reports.exports import gradescope_results
    from tpgrade.sandbox import choose_sandbox

    day = paths.check_day(day)
    results_file = root / "results" / "results.json"
    submission = root / "submission"
    with tempfile.TemporaryDirectory(prefix="tpgrade-gradescope-") as scratch:
        try:
            intake = gather([submission], Path(scratch), preferred=f"tp_{day}")
            candidates = sorted(
                intake.candidates, key=lambda c: (c.path.name != f"tp_{day}.ipynb", c.path.suffix != ".ipynb")
            )
            why = "; ".join(message for _, message in intake.rejected)
        except TpgradeError as exc:
            candidates, why = [], str(exc)
        if not candidates:
            data: dict[str, object] = {
                "score": 0,
                "output": f"Rendu refusé : {why or 'aucun fichier .ipynb ou .py'}",
                "tests": [],
            }
        else:
            hidden = [paths.course_root(), root / "source", Path(scratch)]
            try:
                sandbox, chosen = choose_sandbox(
                    "auto", hidden, allow_none=False, preload=paths.preloaded_libraries(day)
                )
            except SandboxUnavailable as exc:
                data = {
                    "score": 0,
                    "output": f"Correction impossible ici (aucun bac à sable) : {exc}",
                    "tests": [],
                }
                return _write(results_file, data)
            try:
                config = GradingConfig(
                    day=day,
                    tests_dir=paths.graders_dir(day),
                    sandbox=sandbox,
                    grader_version=grader_version(day),
                )
                result = grade_file(candidates[0].path, config, student="gradescope")
            finally:
                sandbox.close()
            data = gradescope_results(result)
            data["output"] = f"{data.get('output', '')}\n{chosen}".strip()
    return _write(results_file, data)


def _write(results_file: Path, data: dict[str, object]) -> dict[str, object]:
    try:
        results_file.parent.mkdir(parents=True, exist_ok=True)
        results_file.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"{results_file}: cannot write Gradescope's results ({exc.strerror or exc})"
        ) from None
    return data
