"""The student bundle: the stub and the public tests, nothing of the solutions, and a
check that works from it with the package alone."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from tpgrade import paths
from tpgrade.course.demo import _definitions, fill_stub
from tpgrade.course.release import README, release
from tpgrade.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def solution_lines(day: str) -> set[str]:
    """Lines of the reference's function bodies that neither the stub nor the public tests hold."""
    source = paths.reference_file(day).read_text(encoding="utf-8")
    lines = source.splitlines()
    public = paths.stub_notebook(day).read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "assignments" / day / "public_tests").glob("*.py")
    )
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.body:
            for line in lines[node.body[0].lineno - 1 : node.end_lineno]:
                text = line.strip()
                if len(text) >= 25 and not text.startswith(("#", '"""')) and text not in public:
                    found.add(text)
    return found


def texts(folder: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("day", paths.DAYS)
def test_the_bundle_holds_the_stub_and_public_tests_and_nothing_of_the_solutions(
    tmp_path: Path, day: str
) -> None:
    bundle = release(day, tmp_path / "tp")
    names = {p.relative_to(bundle.folder).as_posix() for p in bundle.files}
    assert f"tp_{day}.ipynb" in names and README in names
    assert f"tests_publics/{day}/test_public_{day}.py" in names
    secrets = solution_lines(day)
    assert len(secrets) >= 10, "the probe would prove nothing"
    for path, text in texts(bundle.folder).items():
        assert not [line for line in secrets if line in text], path
        assert "reference(" not in text and "graders/" not in text, path


def test_the_zip_is_the_folder(tmp_path: Path) -> None:
    bundle = release("day2", tmp_path / "tp_day2", make_zip=True)
    assert bundle.archive == tmp_path / "tp_day2.zip"
    with zipfile.ZipFile(bundle.archive) as archive:
        assert sorted(archive.namelist()) == sorted(
            f"tp_day2/{p.relative_to(bundle.folder).as_posix()}" for p in bundle.files
        )


def test_a_folder_that_is_not_empty_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("à garder", encoding="utf-8")
    with pytest.raises(InputError, match="not an empty folder"):
        release("day2", folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


@pytest.mark.slow
def test_a_student_with_the_wheel_and_the_bundle_only_can_check(
    tmp_path: Path, reference_source: str
) -> None:
    wheels = tmp_path / "wheels"
    build = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        str(wheels),
    ]
    subprocess.run([*build, str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("tpgrade-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        entries = archive.namelist()
        assert all(e.startswith(("tpgrade/", "tpgrade-")) for e in entries), entries
        packaged = "".join(archive.read(e).decode("utf-8", "replace") for e in entries)
    for day in paths.DAYS:
        assert not [line for line in solution_lines(day) if line in packaged], day
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True)
    bundle = release("day2", tmp_path / "tp_day2").folder
    env = {k: v for k, v in os.environ.items() if k != "TPGRADE_COURSE"}
    tpgrade = str(venv / "bin" / "tpgrade")

    def check(*args: str) -> subprocess.CompletedProcess[str]:
        command = [tpgrade, "check", "day2", *args]
        return subprocess.run(command, cwd=bundle, env=env, capture_output=True, text=True, timeout=300)

    stub = check("tp_day2.ipynb")
    assert stub.returncode == 1 and "non implémentée" in stub.stdout, stub.stderr
    nbformat.write(fill_stub(_definitions(reference_source), reference_source), bundle / "mine.ipynb")  # type: ignore[no-untyped-call]
    solved = check("mine.ipynb")
    assert solved.returncode == 0 and "Tous les tests publics passent" in solved.stdout, solved.stdout
    for run in (stub, solved):
        assert "reference" not in run.stdout + run.stderr and "graders" not in run.stdout + run.stderr
    elsewhere = subprocess.run(
        [tpgrade, "check", "day2", str(bundle / "tp_day2.ipynb")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert elsewhere.returncode == 1  # the tests sit beside the notebook: found from anywhere
    assert "non implémentée" in elsewhere.stdout, elsewhere.stderr
