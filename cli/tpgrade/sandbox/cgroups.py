"""One cgroup per runner: memory for all its processes together, a process count, one core.

Rlimits bound each process alone; a cgroup binds the whole submission: six
children of one runner share its memory limit (no swap), a fork storm stops
at ``pids.max``, and a CPU quota of ``Limits.cpus`` cores keeps busy
processes from starving the runners graded next to them.

Layout: a parent cgroup named ``tpgrade`` at the top of each hierarchy (cgroup
v1: ``memory``, ``pids``, ``cpu``; v2 where ``/sys/fs/cgroup`` is a cgroup2
mount) and one child per runner named ``<owner pid>-<owner start time>-<n>``,
so that the cgroups of a tpgrade that was killed are found and removed by the
next one. The sandbox puts the runner's first process in the cgroup before any
student code runs; destroying the cgroup kills every process in it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tpgrade.errors import SandboxUnavailable
from tpgrade.wire.limits import Limits

PARENT = "tpgrade"
CONTROLLERS = ("memory", "pids", "cpu")
CGROUP_ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000
# Processes of the sandbox itself that share the runner's cgroup (bubblewrap and its
# init, or the zygote's fork and the namespace's init).
SANDBOX_PROCESSES = 4
DESTROY_TIMEOUT = 10.0
WEAKER = {
    "memory": "memory is limited per process only, not for all of a submission's processes together",
    "pids": "processes are limited per uid, not per submission",
    "cpu": "no CPU quota: busy processes of one submission can slow the others",
}


def _process_start(pid: int) -> str | None:
    """The start time of ``pid`` (clock ticks since boot), to tell it from a later process of that pid."""
    try:
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return None


def owner_name(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{pid}-{_process_start(pid) or 0}"


def _owner_alive(name: str) -> bool:
    pid, _, rest = name.partition("-")
    start = rest.partition("-")[0]
    if not pid.isdigit():
        return True  # not one of ours: leave it
    return _process_start(int(pid)) == start


def _write(path: Path, value: str) -> None:
    with open(path, "w") as stream:
        stream.write(value)


def _read_pids(directory: Path) -> list[int]:
    try:
        return [int(line) for line in (directory / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


@dataclass
class RunnerCgroup:
    """The cgroup of one runner: one folder per hierarchy."""

    name: str
    dirs: tuple[Path, ...]
    version: int
    destroyed: bool = field(default=False, repr=False)

    def open_procs(self) -> list[int]:
        """Descriptors open for writing on each ``cgroup.procs``: writing ``0`` moves the writer in."""
        return [os.open(d / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for d in self.dirs]

    def enter(self, fds: list[int]) -> None:
        """Move the calling process in (from a child before exec); closes ``fds``."""
        for fd in fds:
            os.write(fd, b"0")
            os.close(fd)

    def processes(self) -> list[int]:
        return sorted({pid for d in self.dirs for pid in _read_pids(d)})

    def exists(self) -> bool:
        return any(d.exists() for d in self.dirs)

    def file(self, controller_file: str) -> Path | None:
        """The path of one control file (``memory.max_usage_in_bytes``, ``pids.max``...), if there."""
        for directory in self.dirs:
            if (directory / controller_file).exists():
                return directory / controller_file
        return None

    def destroy(self) -> None:
        """Kill every process in the cgroup, wait until it is empty, and remove it (never raises;
        ``destroyed`` says whether it is gone)."""
        if self.destroyed:
            return
        for directory in self.dirs:
            if self.version == 2 and (directory / "cgroup.kill").exists():
                with contextlib.suppress(OSError):
                    _write(directory / "cgroup.kill", "1")
            elif (directory / "pids.max").exists():
                with contextlib.suppress(OSError):
                    _write(directory / "pids.max", "0")  # no fork can outrun the kills below
        deadline = time.monotonic() + DESTROY_TIMEOUT
        remaining = list(self.dirs)
        while remaining and time.monotonic() < deadline:
            for pid in self.processes():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            for directory in list(remaining):
                try:
                    directory.rmdir()
                except FileNotFoundError:
                    pass
                except OSError:  # processes still dying (EBUSY): try again
                    continue
                remaining.remove(directory)
            if remaining:
                time.sleep(0.01)
        self.destroyed = not remaining


@dataclass(frozen=True)
class Hierarchy:
    """A mounted cgroup hierarchy and the controllers of ours that it carries."""

    root: Path
    controllers: tuple[str, ...]


def _mounts(mountinfo: str = "/proc/self/mountinfo") -> list[tuple[Path, str, set[str]]]:
    found: list[tuple[Path, str, set[str]]] = []
    with contextlib.suppress(OSError), open(mountinfo) as stream:
        for line in stream:
            before, _, after = line.partition(" - ")
            fields, tail = before.split(), after.split()
            if len(fields) < 5 or len(tail) < 3 or fields[3] != "/":
                continue
            if tail[0] in ("cgroup", "cgroup2"):
                found.append((Path(fields[4]), tail[0], set(tail[2].split(","))))
    return found


def find_hierarchies() -> tuple[int, list[Hierarchy]]:
    """The cgroup version in use here and the hierarchies that carry our controllers."""
    mounts = _mounts()
    for path, kind, _ in mounts:
        if kind == "cgroup2" and path == CGROUP_ROOT:
            try:
                available = set((path / "cgroup.controllers").read_text().split())
            except OSError:
                available = set()
            return 2, [Hierarchy(path, tuple(c for c in CONTROLLERS if c in available))]
    hierarchies: dict[Path, list[str]] = {}
    for controller in CONTROLLERS:
        for path, kind, options in mounts:
            if kind == "cgroup" and controller in options:
                hierarchies.setdefault(path, []).append(controller)
                break
    return 1, [Hierarchy(path, tuple(names)) for path, names in hierarchies.items()]


class Cgroups:
    """Makes the runners' cgroups under ``tpgrade`` in each hierarchy, and removes them."""

    def __init__(self, version: int, hierarchies: list[Hierarchy], owner: str | None = None) -> None:
        self.version = version
        self.hierarchies = hierarchies
        self.owner = owner or owner_name()
        self.controllers = tuple(c for c in CONTROLLERS if any(c in h.controllers for h in hierarchies))
        self._serial = itertools.count()
        self._lock = threading.Lock()
        self._ours: dict[str, RunnerCgroup] = {}
        for hierarchy in hierarchies:
            self._make_parent(hierarchy)

    @classmethod
    def here(cls) -> tuple[Cgroups | None, str]:
        """This machine's cgroups and a note on what is weaker than with all of them."""
        if os.geteuid() != 0:
            return None, _weaker("not running as root", CONTROLLERS)
        version, hierarchies = find_hierarchies()
        if not hierarchies:
            return None, _weaker("no cgroup hierarchy is mounted", CONTROLLERS)
        try:
            cgroups = cls(version, hierarchies)
        except OSError as exc:
            return None, _weaker(f"cgroups not writable: {exc.strerror or exc}", CONTROLLERS)
        missing = tuple(c for c in CONTROLLERS if c not in cgroups.controllers)
        cgroups.sweep()
        note = f"cgroup v{version} without {', '.join(missing)}: {_consequences(missing)}" if missing else ""
        return cgroups, note

    def _make_parent(self, hierarchy: Hierarchy) -> Path:
        parent = hierarchy.root / PARENT
        with contextlib.suppress(FileExistsError):
            parent.mkdir()
        if self.version == 2 and hierarchy.controllers:
            enable = " ".join(f"+{c}" for c in hierarchy.controllers)
            with contextlib.suppress(OSError):  # already enabled above, or not ours to enable
                _write(hierarchy.root / "cgroup.subtree_control", enable)
            _write(parent / "cgroup.subtree_control", enable)
        return parent

    def _mkdir(self, hierarchy: Hierarchy, name: str) -> Path:
        for _ in range(3):  # another tpgrade may remove the empty parent meanwhile
            directory = hierarchy.root / PARENT / name
            try:
                directory.mkdir()
                return directory
            except FileNotFoundError:
                self._make_parent(hierarchy)
        raise SandboxUnavailable(f"cannot create the cgroup {hierarchy.root / PARENT / name}")

    def create(self, limits: Limits) -> RunnerCgroup:
        """A new cgroup with ``limits`` written in, before any process is in it."""
        name = f"{self.owner}-{next(self._serial)}"
        made: list[Path] = []
        cgroup = RunnerCgroup(name, (), self.version)
        try:
            for hierarchy in self.hierarchies:
                made.append(self._mkdir(hierarchy, name))
                cgroup = RunnerCgroup(name, tuple(made), self.version)
                self._limit(made[-1], hierarchy.controllers, limits)
        except OSError as exc:
            cgroup.destroy()
            raise SandboxUnavailable(f"cannot set the limits of the cgroup {name}: {exc}") from None
        with self._lock:
            self._ours = {n: c for n, c in self._ours.items() if not c.destroyed}
            self._ours[name] = cgroup
        return cgroup

    def _limit(self, directory: Path, controllers: tuple[str, ...], limits: Limits) -> None:
        memory, processes = str(limits.memory_bytes), str(limits.processes + SANDBOX_PROCESSES)
        quota = max(1000, int(limits.cpus * CPU_PERIOD_US))
        if self.version == 1:
            if "memory" in controllers:
                _write(directory / "memory.limit_in_bytes", memory)
                if (directory / "memory.memsw.limit_in_bytes").exists():
                    _write(directory / "memory.memsw.limit_in_bytes", memory)
                else:  # swap not accounted: ask the kernel not to swap this group
                    with contextlib.suppress(OSError):
                        _write(directory / "memory.swappiness", "0")
            if "pids" in controllers:
                _write(directory / "pids.max", processes)
            if "cpu" in controllers:
                _write(directory / "cpu.cfs_period_us", str(CPU_PERIOD_US))
                _write(directory / "cpu.cfs_quota_us", str(quota))
            return
        if "memory" in controllers:
            _write(directory / "memory.max", memory)
            if (directory / "memory.swap.max").exists():
                _write(directory / "memory.swap.max", "0")
        if "pids" in controllers:
            _write(directory / "pids.max", processes)
        if "cpu" in controllers:
            _write(directory / "cpu.max", f"{quota} {CPU_PERIOD_US}")

    def release(self, cgroup: RunnerCgroup) -> None:
        """Destroy ``cgroup`` (its processes killed) and forget it."""
        cgroup.destroy()
        with self._lock:
            self._ours.pop(cgroup.name, None)

    def sweep(self) -> list[str]:
        """Remove the cgroups of tpgrade processes that no longer run; their names."""
        stale: dict[str, list[Path]] = {}
        for hierarchy in self.hierarchies:
            with contextlib.suppress(OSError):
                for directory in (hierarchy.root / PARENT).iterdir():
                    if directory.is_dir() and not _owner_alive(directory.name):
                        stale.setdefault(directory.name, []).append(directory)
        for name, dirs in stale.items():
            RunnerCgroup(name, tuple(dirs), self.version).destroy()
        return sorted(stale)

    def leftovers(self) -> list[str]:
        with self._lock:
            return sorted(name for name, cgroup in self._ours.items() if cgroup.exists())

    def close(self, locked: bool = True) -> None:
        """Destroy every cgroup this tpgrade made, and the parents once empty.

        ``locked=False`` from a signal handler, which may have interrupted a holder of the lock.
        """
        if locked:
            with self._lock:
                ours = list(self._ours.values())
        else:
            ours = list(self._ours.values())
        for cgroup in ours:
            cgroup.destroy()
        for hierarchy in self.hierarchies:
            with contextlib.suppress(OSError):  # still used by another tpgrade
                (hierarchy.root / PARENT).rmdir()


def _consequences(missing: tuple[str, ...]) -> str:
    return "; ".join(WEAKER[c] for c in missing)


def _weaker(reason: str, missing: tuple[str, ...]) -> str:
    return f"no per-submission cgroup ({reason}): {_consequences(missing)}"
