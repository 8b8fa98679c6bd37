"""Sandbox backends and the choice among them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from tpgrade.errors import SandboxUnavailable, UsageError
from tpgrade.sandbox.base import Limits, RunnerProcess, Sandbox

SandboxName = Literal["auto", "process", "docker", "none"]
__all__ = ["Limits", "RunnerProcess", "Sandbox", "SandboxName", "choose_sandbox"]


def choose_sandbox(name: str, hidden: list[Path], allow_none: bool) -> tuple[Sandbox, str]:
    """The backend for ``name`` and a line saying what was chosen and why."""
    from tpgrade.sandbox.bubblewrap import BubblewrapSandbox
    from tpgrade.sandbox.unsandboxed import NoSandbox

    if name == "process":
        return BubblewrapSandbox(hidden), "sandbox: process (bubblewrap)"
    if name == "none":
        if not allow_none:
            raise UsageError(
                "--sandbox none runs student code without isolation; "
                "for hidden graders add --allow-unsandboxed if you really mean it"
            )
        return NoSandbox(), "sandbox: none (no isolation)"
    if name == "docker":
        raise SandboxUnavailable("the docker sandbox is not available in this version; use --sandbox process")
    if name == "auto":
        try:
            return BubblewrapSandbox(hidden), "sandbox: process (bubblewrap), chosen automatically"
        except SandboxUnavailable as exc:
            if allow_none:
                return NoSandbox(), f"sandbox: none, chosen automatically ({exc})"
            raise SandboxUnavailable(
                f"no sandbox is usable here: {exc}. Install bubblewrap, or pass "
                "--sandbox none --allow-unsandboxed to grade without isolation"
            ) from None
    raise UsageError(f"unknown sandbox {name!r}: choose auto, process, docker or none")
