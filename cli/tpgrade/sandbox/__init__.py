"""Sandbox backends and the choice among them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from tpgrade.errors import SandboxUnavailable, UsageError
from tpgrade.paths import ALWAYS_PRELOADED
from tpgrade.sandbox.base import RunnerProcess, Sandbox
from tpgrade.wire.limits import Limits

SandboxName = Literal["auto", "process", "docker", "none"]
__all__ = ["Limits", "RunnerProcess", "Sandbox", "SandboxName", "choose_sandbox"]


def choose_sandbox(
    name: str,
    hidden: list[Path],
    allow_none: bool,
    device: str = "cpu",
    image: str | None = None,
    preload: tuple[str, ...] = ALWAYS_PRELOADED,
) -> tuple[Sandbox, str]:
    """The backend for ``name`` and a line saying what was chosen and why.

    ``auto`` takes docker when an engine answers and the grading image is
    there and current, else the process sandbox, else (only with
    ``allow_none``) no sandbox. ``preload`` names the libraries that warm
    runners import once (process sandbox).
    """
    from tpgrade.sandbox.docker import DockerSandbox
    from tpgrade.sandbox.none import NoSandbox
    from tpgrade.sandbox.process import BubblewrapSandbox

    if name == "process":
        process = BubblewrapSandbox(hidden, device=device, preload=preload)
        return process, f"sandbox: {process.describe()} (bubblewrap)"
    if name == "docker":
        docker = DockerSandbox(image=image, device=device)
        return docker, f"sandbox: {docker.describe()}"
    if name == "none":
        if not allow_none:
            raise UsageError(
                "--sandbox none runs student code without isolation; "
                "for hidden graders add --allow-unsandboxed if you really mean it"
            )
        return NoSandbox(device=device), "sandbox: none (no isolation)"
    if name == "auto":
        reasons: list[str] = []
        try:
            docker = DockerSandbox(image=image, device=device)
            return docker, f"sandbox: {docker.describe()}, chosen automatically"
        except SandboxUnavailable as exc:
            reasons.append(f"docker: {exc}")
        try:
            process = BubblewrapSandbox(hidden, device=device, preload=preload)
            return (
                process,
                f"sandbox: {process.describe()} (bubblewrap), chosen automatically; not {reasons[0]}",
            )
        except SandboxUnavailable as exc:
            reasons.append(f"process: {exc}")
        if allow_none:
            return NoSandbox(
                device=device
            ), f"sandbox: none, chosen automatically; not {'; not '.join(reasons)}"
        raise SandboxUnavailable(
            f"no sandbox is usable here ({'; '.join(reasons)}). Start a docker engine and build the "
            "image (tpgrade image build), or install bubblewrap, or pass "
            "--sandbox none --allow-unsandboxed to grade without isolation"
        )
    raise UsageError(f"unknown sandbox {name!r}: choose auto, process, docker or none")
