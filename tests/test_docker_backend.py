"""The docker backend: how containers are confined, the checks on the image, clean-up.

Tests marked with the ``docker_sandbox`` fixture need an engine and the CPU
grading image (skipped elsewhere, required in CI); the others use a fake
client and run everywhere.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import docker.errors
import pytest
import requests.exceptions
from conftest import docker_or_skip

from tpgrade.errors import SandboxUnavailable
from tpgrade.judge.session import Channel
from tpgrade.sandbox import Limits, choose_sandbox
from tpgrade.sandbox.docker import DIGEST_LABEL, OWNER_LABEL, SANDBOX_LABEL, DockerSandbox, runner_digest
from tpgrade.wire.messages import Ready

# --- without an engine: a fake client ----------------------------------------------


class FakeApi:
    def __init__(self, labels: dict[str, str] | None, create: BaseException | None = None) -> None:
        self.labels = labels
        self.create = create

    def inspect_image(self, tag: str) -> dict[str, Any]:
        if self.labels is None:
            raise docker.errors.ImageNotFound(f"No such image: {tag}")
        return {"Config": {"Labels": self.labels}, "Size": 1}

    def containers(self, **kwargs: Any) -> list[dict[str, Any]]:
        return []

    def create_host_config(self, **kwargs: Any) -> dict[str, Any]:
        return kwargs

    def create_container(self, image: str, **kwargs: Any) -> dict[str, Any]:
        assert self.create is not None
        raise self.create


class FakeClient:
    def __init__(self, labels: dict[str, str] | None, create: BaseException | None = None) -> None:
        self.api = FakeApi(labels, create)


@pytest.mark.parametrize(
    "error",
    [
        docker.errors.APIError("500 Server Error: no space left on device"),
        requests.exceptions.ConnectionError("Connection aborted."),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
    ids=["api", "http", "socket"],
)
def test_an_engine_error_at_launch_is_one_sandbox_line(error: BaseException) -> None:
    sandbox = DockerSandbox(client=FakeClient({DIGEST_LABEL: runner_digest()}, create=error))
    with pytest.raises(SandboxUnavailable) as raised:
        sandbox.launch(Limits())
    assert str(raised.value).startswith("the docker engine could not create a container: ")
    assert "\n" not in str(raised.value) and "Traceback" not in str(raised.value)


def test_an_engine_without_gpus_says_so_and_what_to_do() -> None:
    """What dockerd answers to ``--gpus`` with no NVIDIA container toolkit."""
    refused = docker.errors.APIError(
        '500 Server Error: Internal Server Error ("could not select device driver "" '
        'with capabilities: [[gpu]]")'
    )
    labels = {DIGEST_LABEL: runner_digest()}
    sandbox = DockerSandbox(device="cuda", client=FakeClient(labels, create=refused))
    with pytest.raises(SandboxUnavailable) as raised:
        sandbox.launch(Limits())
    line = str(raised.value)
    assert "gives containers no GPU" in line and "--device cpu" in line and "500" not in line


def test_a_fault_of_tpgrade_itself_is_not_taken_for_an_engine_error() -> None:
    """Only the engine's errors are mapped: a bug in tpgrade still shows as a bug."""
    sandbox = DockerSandbox(client=FakeClient({DIGEST_LABEL: runner_digest()}, create=RuntimeError("bug")))
    with pytest.raises(RuntimeError, match="bug"):
        sandbox.launch(Limits())


def test_a_missing_image_says_how_to_build_it() -> None:
    with pytest.raises(SandboxUnavailable, match="tpgrade image build"):
        DockerSandbox(client=FakeClient(None))
    with pytest.raises(SandboxUnavailable, match="tpgrade image build --cuda"):
        DockerSandbox(device="cuda", client=FakeClient(None))


def test_a_stale_image_is_refused() -> None:
    with pytest.raises(SandboxUnavailable, match=r"another version.*rebuild"):
        DockerSandbox(client=FakeClient({DIGEST_LABEL: "0123456789abcdef"}))
    with pytest.raises(SandboxUnavailable, match="unlabelled"):
        DockerSandbox(client=FakeClient({}))


def test_containers_are_confined_and_gpus_requested_only_for_cuda() -> None:
    current = {DIGEST_LABEL: runner_digest()}
    limits = Limits()
    cpu = DockerSandbox(client=FakeClient(current)).host_config(limits)
    assert cpu["network_mode"] == "none" and cpu["read_only"] and cpu["cap_drop"] == ["ALL"]
    assert cpu["security_opt"] == ["no-new-privileges"] and cpu["auto_remove"]
    assert cpu["mem_limit"] == cpu["memswap_limit"] == limits.memory_bytes
    assert cpu["pids_limit"] == limits.processes and cpu["device_requests"] == []
    assert cpu["tmpfs"]["/tmp"].startswith(f"size={limits.scratch_bytes},")
    assert {u["Name"] for u in cpu["ulimits"]} >= {"cpu", "fsize", "nofile", "core"}
    assert (
        "RLIMIT_AS, (3221225472, 3221225472)"
        in DockerSandbox(client=FakeClient(current)).runner_command(limits)[-1]
    )
    assert cpu["log_config"]["Type"] == "none"  # 1 GB on stdout must not land on the host's disk
    gpu_sandbox = DockerSandbox(device="cuda", client=FakeClient(current))
    gpu = gpu_sandbox.host_config(limits)
    assert gpu_sandbox.image == "tpgrade-cuda"
    assert [r["Capabilities"] for r in gpu["device_requests"]] == [[["gpu"]]]
    assert "RLIMIT_AS" not in gpu_sandbox.runner_command(limits)[-1]


def test_no_engine_is_a_clear_error_and_auto_falls_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    with pytest.raises(SandboxUnavailable, match="no docker engine answers"):
        choose_sandbox("docker", [], allow_none=False)
    sandbox, line = choose_sandbox("auto", [tmp_path], allow_none=False)
    assert sandbox.name == "process"
    assert "chosen automatically" in line and "no docker engine answers" in line
    assert "no engine socket at" in line and "Error(" not in line and "('" not in line  # words, not reprs


# --- with an engine ------------------------------------------------------------------


def inspect(sandbox: DockerSandbox, container_id: str) -> dict[str, Any]:
    data: dict[str, Any] = sandbox.client.api.inspect_container(container_id)
    return data


def test_a_runner_container_is_confined_then_removed(docker_sandbox: DockerSandbox) -> None:
    limits = Limits(memory_bytes=1 << 30, processes=32)
    process = docker_sandbox.launch(limits, slot=3)
    try:
        channel = Channel(process, itertools.count(1))
        assert isinstance(channel.receive(time.monotonic() + 60, 0, (Ready,), 1 << 20), Ready)
        container_id = process.container_id  # type: ignore[attr-defined]
        data = inspect(docker_sandbox, container_id)
        host = data["HostConfig"]
        assert data["Config"]["User"] == "10002:10002"
        assert data["Config"]["Labels"][SANDBOX_LABEL] == docker_sandbox.label
        assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"] is True
        assert host["CapDrop"] == ["ALL"] and host["SecurityOpt"] == ["no-new-privileges"]
        assert host["Memory"] == 1 << 30 and host["PidsLimit"] == 32 and host["AutoRemove"] is True
        assert docker_sandbox.leftovers() == [container_id[:12]]
    finally:
        channel.close()
    assert docker_sandbox.leftovers() == []
    assert process.exit_code() == 137  # killed from outside


def grade_command(folder: Path, store: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tpgrade",
        "grade",
        "day2",
        str(folder),
        "--store",
        str(store),
        "--sandbox",
        "docker",
    ]


def ours(sandbox: DockerSandbox, pid: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = sandbox.client.api.containers(all=True, filters={"label": OWNER_LABEL})
    return [c for c in found if c["Labels"][OWNER_LABEL].endswith(f":{pid}")]


def start_grading_a_hanging_cell(tmp_path: Path, sandbox: DockerSandbox) -> subprocess.Popen[bytes]:
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "stuck.py").write_text("import time\nwhile True:\n    time.sleep(1)\n")
    process = subprocess.Popen(grade_command(folder, tmp_path / "s.sqlite"), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not ours(sandbox, process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ours(sandbox, process.pid), "no container started"
    return process


def test_interrupted_grading_removes_its_containers(docker_sandbox: DockerSandbox, tmp_path: Path) -> None:
    process = start_grading_a_hanging_cell(tmp_path, docker_sandbox)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr
    assert ours(docker_sandbox, process.pid) == []


def test_containers_of_a_killed_tpgrade_are_removed_by_the_next_one(tmp_path: Path) -> None:
    watcher = docker_or_skip()
    try:
        process = start_grading_a_hanging_cell(tmp_path, watcher)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        assert ours(watcher, process.pid)  # still running: the runner is stuck in the student's loop
        DockerSandbox().close()  # any new docker sandbox sweeps orphans of this host
        assert ours(watcher, process.pid) == []
    finally:
        watcher.close()
