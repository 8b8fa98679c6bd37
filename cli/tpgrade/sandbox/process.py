"""The Linux process sandbox: bubblewrap namespaces plus rlimits.

The runner sees a root filesystem built from read-only binds of the system
and of the Python installation, the runner's own package, and an empty tmpfs
for scratch; nothing else exists for it (not the course folder, the store or
the other submissions). Network, PID, IPC and UTS namespaces are new. Run as
root, bubblewrap builds the namespaces and ``setpriv`` then drops to an
unprivileged uid with no capabilities and ``no_new_privs``. Run as a normal
user, bubblewrap makes a user namespace instead. Every runner gets the
seccomp filter of :mod:`tpgrade.sandbox.seccomp` and, where cgroups can be
used (as root), a cgroup of its own (:mod:`tpgrade.sandbox.cgroups`): the
memory, process and CPU limits then hold for all of a submission's processes
together, and killing the runner kills them all.
"""

from __future__ import annotations

import functools
import itertools
import os
import platform
import shutil
import site
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tpgrade.errors import SandboxUnavailable
from tpgrade.paths import ALWAYS_PRELOADED
from tpgrade.runner.zygote import HOSTNAME
from tpgrade.sandbox import seccomp
from tpgrade.sandbox.base import (
    RUNNER_ENV,
    PopenRunner,
    RunnerProcess,
    Sandbox,
    default_package_parent,
    runner_argv,
)
from tpgrade.sandbox.cgroups import Cgroups, RunnerCgroup
from tpgrade.sandbox.warm import ZYGOTE_BOOT, Zygote, ZygoteGone
from tpgrade.wire.limits import Limits, apply_rlimits

SANDBOX_UID_BASE = 61000
WARM_UID_BASE = 200000  # warm runners: a fresh uid per submission, UIDS_PER_SLOT per slot
UIDS_PER_SLOT = 1000
SLOTS_WITH_OWN_UIDS = 64  # warm runners of slot n use the uid range of slot n % 64
# What the zygote needs to make each runner's namespaces and drop to its uid; the
# runner itself keeps none of them.
ZYGOTE_CAPABILITIES = (
    "CAP_SYS_ADMIN",
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_KILL",
    "CAP_NET_ADMIN",
)
RUNNER_MOUNT = Path("/opt/tpgrade")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives", "/etc/fonts")


def _python_dirs() -> list[Path]:
    """Folders of the Python installation that the runner needs, outermost only."""
    candidates = {Path(sys.base_prefix), Path(sys.prefix), *map(Path, site.getsitepackages())}
    resolved = sorted({p.resolve() for p in candidates if p.exists()}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in resolved:
        if not any(path.is_relative_to(k) for k in kept) and not path.is_relative_to("/usr"):
            kept.append(path)
    return kept


@dataclass(frozen=True)
class Mount:
    """One entry of the runner's file system, in the order bubblewrap builds them."""

    kind: Literal["ro-bind", "dev-bind", "symlink", "dir", "tmpfs", "proc", "dev"]
    target: str
    source: str = ""  # the host path shown (ro-bind, dev-bind) or the link's text (symlink)
    perms: str = ""  # octal mode of a dir or tmpfs
    size: int = 0  # bytes of a tmpfs

    @property
    def shows_host_path(self) -> bool:
        return self.kind in ("ro-bind", "dev-bind")

    def args(self) -> list[str]:
        options = [
            *(["--perms", self.perms] if self.perms else []),
            *(["--size", str(self.size)] if self.size else []),
        ]
        if self.kind in ("ro-bind", "dev-bind", "symlink"):
            return [*options, f"--{self.kind}", self.source, self.target]
        return [*options, f"--{self.kind}", self.target]


def render(mounts: list[Mount]) -> list[str]:
    """The bubblewrap arguments that build ``mounts``."""
    return [arg for mount in mounts for arg in mount.args()]


def _bind(path: Path, target: Path | None = None) -> list[Mount]:
    target = target or path
    parents = [
        Mount("dir", str(ancestor), perms="0755")
        for ancestor in reversed(target.parents[:-1])
        if str(ancestor) not in (*SYSTEM_DIRS, "/tmp")
    ]
    return [*parents, Mount("ro-bind", str(target), str(path))]


def _system_mounts() -> list[Mount]:
    mounts: list[Mount] = []
    for name in (*SYSTEM_DIRS, *SYSTEM_FILES):
        path = Path(name)
        if path.is_symlink():
            mounts.append(Mount("symlink", name, os.readlink(path)))
        elif path.exists():
            mounts.append(Mount("ro-bind", name, name))
    return mounts


def runner_mounts(visible: list[Path], device: str, scratch_bytes: int) -> list[Mount]:
    """The runner's whole file system: the system, ``visible`` (the Python installation, then
    the tpgrade package, shown at :data:`RUNNER_MOUNT`), an empty scratch tmpfs, and for
    ``cuda`` the GPU's device nodes. Nothing else of the host exists for the runner."""
    # The scratch tmpfs first: a Python installation under /tmp (a virtual
    # environment there) is then bound on top of it instead of hidden by it.
    mounts = [Mount("tmpfs", "/tmp", perms="1777", size=scratch_bytes), *_system_mounts()]
    for path in visible[:-1]:
        mounts += _bind(path)
    mounts += _bind(visible[-1], RUNNER_MOUNT / "tpgrade")
    if device == "cuda":  # the GPU's device nodes; the driver's libraries are under /usr
        mounts += [Mount("dev-bind", str(node), str(node)) for node in sorted(Path("/dev").glob("nvidia*"))]
    return [*mounts, Mount("proc", "/proc"), Mount("dev", "/dev")]


def visible_paths() -> list[Path]:
    """What of the host the runner needs: the Python installation, then the tpgrade package."""
    return [*_python_dirs(), default_package_parent() / "tpgrade"]


def _filter_fd(program: bytes) -> int:
    """A descriptor from which bubblewrap reads the seccomp program (a pipe, already closed for writing)."""
    read, write = os.pipe()
    try:
        os.write(write, program)  # far below a pipe's capacity
    finally:
        os.close(write)
    return read


class CgroupedRunner(PopenRunner):
    """A cold runner in a cgroup of its own: killing it kills the whole cgroup."""

    def __init__(self, popen: subprocess.Popen[bytes], cgroup: RunnerCgroup | None) -> None:
        super().__init__(popen)
        self.cgroup = cgroup

    def kill(self) -> None:
        if self.cgroup is not None:
            self.cgroup.destroy()
        super().kill()


class BubblewrapSandbox(Sandbox):
    name = "process"
    isolated = True

    def __init__(
        self,
        hidden: list[Path] | None = None,
        device: str = "cpu",
        warm: bool | None = None,
        preload: tuple[str, ...] = ALWAYS_PRELOADED,
    ) -> None:
        self.as_root = os.geteuid() == 0
        self.device = device
        # Warm runners need root to give each submission its own uid; without it
        # every runner starts cold, in a user namespace.
        self.warm = self.as_root if warm is None else warm and self.as_root
        self.preload = preload
        self._zygotes: dict[int, Zygote] = {}
        self._uids = itertools.count()
        self._slots: set[int] = set()  # the slots this sandbox has launched runners in
        self._check_tools()
        self.visible = visible_paths()
        self._check_hidden([p.resolve() for p in hidden or []])
        self.seccomp = seccomp.native_program()
        self.notes: list[str] = []  # guarantees weaker here than the module docstring says
        if self.seccomp is None:
            self.notes.append(f"no seccomp filter (no system call table for {platform.machine()})")
        fd = _filter_fd(self.seccomp) if self.seccomp else None
        try:
            _probe(tuple(self._argv(Limits(), 0, ["/bin/true"], seccomp_fd=fd)), fd)
        finally:
            if fd is not None:
                os.close(fd)
        self.cgroups, note = Cgroups.here()
        if note:
            self.notes.append(note)

    def _check_tools(self) -> None:
        if shutil.which("bwrap") is None:
            raise SandboxUnavailable(
                "bubblewrap (bwrap) is not installed: install it (apt-get install bubblewrap) "
                "or choose another sandbox with --sandbox"
            )
        if self.as_root and shutil.which("setpriv") is None:
            raise SandboxUnavailable("setpriv (util-linux) is needed to drop root privileges in the sandbox")

    def _check_hidden(self, hidden: list[Path]) -> None:
        for secret in hidden:
            for shown in self.visible[:-1]:
                if secret.is_relative_to(shown):
                    raise SandboxUnavailable(
                        f"{secret} lies inside {shown}, which the sandbox must show to the runner; "
                        "move the course folder or the results store elsewhere"
                    )

    def mounts(self, limits: Limits) -> list[Mount]:
        return runner_mounts(self.visible, self.device, limits.scratch_bytes)

    def _argv(
        self,
        limits: Limits,
        slot: int,
        command: list[str],
        zygote: bool = False,
        seccomp_fd: int | None = None,
    ) -> list[str]:
        namespaces = [
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--hostname",
            HOSTNAME,
            "--unshare-cgroup-try",
        ]
        if not self.as_root:
            namespaces.append("--unshare-user")
        env: list[str] = ["--clearenv"]
        for key, value in dict(RUNNER_ENV, TPGRADE_DEVICE=self.device).items():
            env += ["--setenv", key, value]
        drop: list[str] = []
        if zygote:
            for capability in ZYGOTE_CAPABILITIES:
                drop += ["--cap-add", capability]
        elif self.as_root:
            uid = str(SANDBOX_UID_BASE + slot)
            drop = [
                "setpriv",
                f"--reuid={uid}",
                f"--regid={uid}",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
                "--",
            ]
        return [
            "bwrap",
            *namespaces,
            "--die-with-parent",
            "--new-session",
            *render(self.mounts(limits)),
            "--chdir",
            "/tmp",
            *env,
            *([] if seccomp_fd is None else ["--seccomp", str(seccomp_fd)]),
            *drop,
            *command,
        ]

    def describe(self) -> str:
        described = "process (warm runners)" if self.warm else self.name
        return "; ".join([described, *self.notes])

    def launch(self, limits: Limits, slot: int = 0) -> RunnerProcess:
        self._slots.add(slot)
        if self.warm:
            return self._warm_launch(limits, slot)
        cgroup = self.cgroups.create(limits) if self.cgroups is not None else None
        procs: list[int] = []
        fd: int | None = None

        def prepare() -> None:  # in the child, before bubblewrap: nothing runs outside the cgroup
            for procs_fd in procs:
                os.write(procs_fd, b"0")
            apply_rlimits(limits, processes=cgroup is None)

        try:
            procs = cgroup.open_procs() if cgroup is not None else []
            fd = _filter_fd(self.seccomp) if self.seccomp else None
            popen = subprocess.Popen(
                self._argv(limits, slot, runner_argv(RUNNER_MOUNT), seccomp_fd=fd),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={"PATH": RUNNER_ENV["PATH"]},
                start_new_session=True,
                pass_fds=() if fd is None else (fd,),
                preexec_fn=prepare,
            )
        except BaseException:
            if cgroup is not None:
                cgroup.destroy()
            raise
        finally:
            for each in [*procs, *([] if fd is None else [fd])]:
                os.close(each)
        return CgroupedRunner(popen, cgroup)

    def _warm_launch(self, limits: Limits, slot: int) -> RunnerProcess:
        """A runner forked from this slot's zygote (started on first use, again if it died)."""
        uid = WARM_UID_BASE + (slot % SLOTS_WITH_OWN_UIDS) * UIDS_PER_SLOT + next(self._uids) % UIDS_PER_SLOT
        reason = ""
        for _ in range(2):
            zygote = self._zygotes.get(slot)
            if zygote is None or not zygote.alive():
                if zygote is not None:
                    zygote.close()
                zygote = self._zygotes[slot] = self._start_zygote(limits, slot)
            try:
                return zygote.spawn(limits, uid, self.seccomp, self.cgroups)
            except ZygoteGone as gone:
                reason = str(gone)
                zygote.close()
                del self._zygotes[slot]
        raise SandboxUnavailable(f"the warm runner of the process sandbox stopped answering twice: {reason}")

    def _start_zygote(self, limits: Limits, slot: int) -> Zygote:
        def command(fd: int) -> list[str]:
            boot = ZYGOTE_BOOT.format(parent=str(RUNNER_MOUNT), preload=list(self.preload), fd=fd)
            return self._argv(limits, slot, [sys.executable, "-I", "-B", "-c", boot], zygote=True)

        under_tmp = tuple(str(p) for p in self.visible[:-1] if p.is_relative_to("/tmp"))
        return Zygote(command, {"PATH": RUNNER_ENV["PATH"]}, under_tmp)

    def close(self) -> None:
        for zygote in self._zygotes.values():
            zygote.close()
        self._zygotes.clear()
        if self.cgroups is not None:
            self.cgroups.close()

    def abandon(self) -> None:
        for zygote in self._zygotes.values():
            zygote.kill()
        if self.cgroups is not None:
            self.cgroups.close(locked=False)

    def leftovers(self) -> list[str]:
        cgroups = self.cgroups.leftovers() if self.cgroups is not None else []
        return [*cgroups, *(f"process {pid}" for pid in self.runner_processes(self._slots))]

    def runner_processes(self, slots: Iterable[int]) -> list[int]:
        """Processes of this host that run student code of these slots, whoever started them:
        as root, every process of one of the slots' runner uids (cold and warm); otherwise,
        every process whose command line is the runner's."""
        uids = {runner_uid for slot in slots for runner_uid in slot_uids(slot)}
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if self.as_root:
                    status = (entry / "status").read_text()
                    real = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
                    if int(real) in uids:
                        found.append(int(entry.name))
                elif b"tpgrade.runner.server" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except (OSError, StopIteration, ValueError, IndexError):
                continue  # ended meanwhile
        return sorted(found)


def slot_uids(slot: int) -> list[int]:
    """The uids a slot's runners run as (as root): its cold uid, and its warm range."""
    first = WARM_UID_BASE + (slot % SLOTS_WITH_OWN_UIDS) * UIDS_PER_SLOT
    return [SANDBOX_UID_BASE + slot, *range(first, first + UIDS_PER_SLOT)]


@functools.cache
def _probe(argv: tuple[str, ...], seccomp_fd: int | None) -> None:
    """Start an empty sandbox once, to fail early with bubblewrap's own reason."""
    try:
        passed = () if seccomp_fd is None else (seccomp_fd,)
        done = subprocess.run(argv, capture_output=True, timeout=30, check=False, pass_fds=passed)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"the process sandbox cannot start: {exc}") from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise SandboxUnavailable(f"the process sandbox cannot start here: {reason[0]}")
