"""Resource limits of one runner, and the rlimits that enforce the per-process part.

The sandbox backends read these to build their namespaces, cgroups and
containers; inside the sandbox the warm runner applies the rlimits to each
forked runner. Wall-clock limits are the judge's own clock, never a value
the runner reports.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-runner limits; wall-clock limits are the session's job."""

    memory_bytes: int = 3 << 30
    cpu_seconds: int = 900
    processes: int = 64
    file_bytes: int = 64 << 20
    scratch_bytes: int = 256 << 20
    open_files: int = 256
    cpus: float = 1.0  # cores one runner may use (cgroup quota, docker)


def apply_rlimits(limits: Limits, processes: bool) -> None:
    """Set the runner's rlimits (in the runner's process, before any student code)."""
    pairs = [
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ]
    if processes:
        pairs.append((resource.RLIMIT_NPROC, limits.processes))
    for kind, value in pairs:
        resource.setrlimit(kind, (value, value))
