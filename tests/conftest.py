"""Shared fixtures: the course material and small cohorts written under tmp_path."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Rich wraps at the terminal's width: the same width here as on CI, so no test
# passes on a wide terminal and fails on a narrow one.
os.environ["COLUMNS"] = "80"

from tpgrade import paths


def pytest_sessionstart(session: pytest.Session) -> None:
    """Hypothesis (schemathesis's engine) caches what it reads of the sources from collection on:
    under pytest's temporary folder, never a .hypothesis folder in the checkout."""
    from hypothesis.configuration import set_hypothesis_home_dir

    factory: pytest.TempPathFactory = session.config._tmp_path_factory  # type: ignore[attr-defined]
    set_hypothesis_home_dir(factory.getbasetemp() / "hypothesis")


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


def docker_or_skip() -> Any:
    """A docker sandbox on the CPU image; skipped where there is none, unless CI requires one."""
    from tpgrade.errors import SandboxUnavailable
    from tpgrade.sandbox.docker import DockerSandbox

    try:
        return DockerSandbox()
    except SandboxUnavailable as exc:
        if os.environ.get("TPGRADE_REQUIRE_DOCKER") == "1":
            raise
        pytest.skip(f"docker backend unavailable here ({exc}); CI sets TPGRADE_REQUIRE_DOCKER=1")


@pytest.fixture
def docker_sandbox() -> Iterator[Any]:
    sandbox = docker_or_skip()
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One PostgreSQL server for the session (skipped without PostgreSQL, unless CI requires it)."""
    from postgres_server import server_or_skip, stop_quietly

    server = server_or_skip(tmp_path_factory.mktemp("postgres"))
    yield server
    stop_quietly(server)


@pytest.fixture
def database_url(postgres_server: Any) -> str:
    """A new, empty database on the session's server."""
    return str(postgres_server.database())
