"""The process sandbox's file system, read as data: no secret lies under anything it shows.

The mounts are computed without starting bubblewrap, so this holds on any machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tpgrade import paths
from tpgrade.sandbox.process import RUNNER_MOUNT, Mount, render, runner_mounts, visible_paths
from tpgrade.wire.limits import Limits

DAYS = ("day1", "day2", "day3", "day4", "day5")


def secrets(tmp_path: Path) -> list[Path]:
    """What the runner must never see: graders, references, mutants, the store, other hand-ins."""
    found = [paths.graders_dir(day) for day in DAYS] + [paths.reference_file(day).parent for day in DAYS]
    return [*found, tmp_path / "results" / "tpgrade.sqlite", tmp_path / "cohort" / "bob.ipynb"]


def shown(mounts: list[Mount]) -> list[Path]:
    return [Path(m.source).resolve() for m in mounts if m.shows_host_path]


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_no_secret_lies_under_a_shown_path_nor_a_shown_path_under_a_secret(
    tmp_path: Path, device: str
) -> None:
    mounts = runner_mounts(visible_paths(), device, Limits().scratch_bytes)
    for secret in (s.resolve() for s in secrets(tmp_path)):
        for path in shown(mounts):
            assert not secret.is_relative_to(path), f"{secret} is visible through {path}"
            assert not path.is_relative_to(secret), f"{path} is a part of {secret}"


def test_scratch_is_an_empty_tmpfs_and_the_package_is_the_only_course_file_shown() -> None:
    mounts = runner_mounts(visible_paths(), "cpu", 1 << 20)
    assert mounts[0] == Mount("tmpfs", "/tmp", perms="1777", size=1 << 20)
    course = paths.course_root().resolve()
    from_course = [path for path in shown(mounts) if path.is_relative_to(course)]
    package = (RUNNER_MOUNT / "tpgrade").as_posix()
    assert all(
        m.target == package for m in mounts if m.shows_host_path and Path(m.source).resolve() in from_course
    )
    assert [m.kind for m in mounts[-2:]] == ["proc", "dev"]
    assert not any(m.kind == "dev-bind" for m in mounts)  # device nodes only for cuda


def test_mounts_render_as_bubblewrap_options_in_order() -> None:
    mounts = [
        Mount("tmpfs", "/tmp", perms="1777", size=4096),
        Mount("dir", "/opt", perms="0755"),
        Mount("ro-bind", "/opt/tpgrade", "/src/tpgrade"),
        Mount("symlink", "/lib", "usr/lib"),
        Mount("proc", "/proc"),
    ]
    assert render(mounts) == [
        "--perms", "1777", "--size", "4096", "--tmpfs", "/tmp",
        "--perms", "0755", "--dir", "/opt",
        "--ro-bind", "/src/tpgrade", "/opt/tpgrade",
        "--symlink", "usr/lib", "/lib",
        "--proc", "/proc",
    ]  # fmt: skip


def test_the_check_sees_a_secret_shown_by_mistake(tmp_path: Path) -> None:
    """The rule above, on a file system that shows the course folder: it must complain."""
    mounts = runner_mounts([*visible_paths()[:-1], paths.course_root()], "cpu", 1 << 20)
    leaks = [s for s in secrets(tmp_path) if any(s.resolve().is_relative_to(p) for p in shown(mounts))]
    assert paths.graders_dir("day2") in leaks
