"""A warm start for runners inside the process sandbox.

The zygote imports the heavy libraries once, then forks one runner per
submission. It runs as root inside the sandbox's namespaces and never runs
student code: each fork gets new mount, PID, IPC, network (loopback only) and
UTS namespaces, a fresh /proc, fresh tmpfs scratch on /tmp and /dev/shm, an
unprivileged uid of its own, no capabilities, ``no_new_privs``, the
submission's rlimits and the judge's seccomp filter, and only then enters the
runner's loop on the pipes that the judge passed. So nothing of one
submission's runner (files, processes, memory, sockets) reaches the next. The
zygote itself has no filter: it needs ``mount`` and ``unshare``.

Process tree per submission: the zygote's child (A, outside the new PID
namespace, reports the exit status) → B (PID 1 of the namespace: reaps
orphans, exits with the runner's status, and takes the whole namespace with
it) → the runner (C). Killing B kills every process of the submission. A
first moves itself into the submission's cgroup, through descriptors of its
``cgroup.procs`` files that the judge opened, so that everything the
submission starts is counted there.

Requests come on a ``SOCK_SEQPACKET`` socket (descriptor 3): one JSON
message each, with descriptors attached for ``spawn`` (the runner's stdin,
stdout and stderr, then the cgroup's files).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import importlib
import json
import os
import signal
import socket
import struct
from typing import Any

from tpgrade.wire.limits import Limits, apply_rlimits

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWIPC = 0x00020000, 0x20000000, 0x08000000
CLONE_NEWNET, CLONE_NEWUTS = 0x40000000, 0x04000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 1 << 12, 1 << 14, 1 << 18
PR_SET_SECCOMP, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 22, 24, 38
SECCOMP_MODE_FILTER = 2
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
IFREQ = struct.Struct("16sH22x")
HOSTNAME = "tpgrade"
CONTROL_FD = 3
MAX_FDS = 8  # stdin, stdout, stderr and one cgroup.procs per hierarchy
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, kind: str, flags: int, data: str | None = None) -> None:
    encoded = data.encode() if data is not None else None
    _check(_libc.mount(source.encode(), target.encode(), kind.encode(), flags, encoded), f"mount {target}")


def _last_capability() -> int:
    with contextlib.suppress(OSError, ValueError), open("/proc/sys/kernel/cap_last_cap") as stream:
        return int(stream.read())
    return 40


def _drop_privileges(uid: int) -> None:
    for capability in range(_last_capability() + 1):
        _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # clears the permitted and effective capabilities
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install_filter(program: bytes) -> None:
    """Install a seccomp program (``struct sock_filter`` array) on the calling thread and
    its future children; ``no_new_privs`` must be set already (or the caller privileged)."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    result = _libc.prctl(
        PR_SET_SECCOMP,
        ctypes.c_ulong(SECCOMP_MODE_FILTER),
        ctypes.byref(fprog),
        ctypes.c_ulong(0),
        ctypes.c_ulong(0),
    )
    _check(result, "seccomp")


def _loopback_up() -> None:
    """The new network namespace's loopback up, as bubblewrap does for cold runners."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        flags = IFREQ.unpack(fcntl.ioctl(probe, SIOCGIFFLAGS, IFREQ.pack(b"lo", 0)))[1]
        fcntl.ioctl(probe, SIOCSIFFLAGS, IFREQ.pack(b"lo", flags | IFF_UP))


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 + -code if code < 0 else code


def _fresh_tmp(scratch: str, keep: list[str]) -> None:
    """A new tmpfs on /tmp, with the read-only folders the sandbox showed there (a Python
    installation in a virtual environment under /tmp) bound again on top of it."""
    held = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in keep]
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, scratch)
    for path, fd in held:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, "", MS_BIND | MS_REC)
        _mount("none", path, "", MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(fd)


def _namespace_init(fds: list[int], request: dict[str, Any]) -> None:
    """B: PID 1 of the submission's namespace. Never returns."""
    try:
        _mount("none", "/", "", MS_REC | MS_PRIVATE)
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        limits = Limits(**request["limits"])
        scratch = f"size={limits.scratch_bytes},mode=1777"
        _fresh_tmp(scratch, [str(path) for path in request.get("keep", [])])
        if os.path.isdir("/dev/shm"):
            _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, scratch)
        _loopback_up()
        socket.sethostname(HOSTNAME)
        _drop_privileges(int(request["uid"]))
        # In a cgroup, pids.max bounds the submission's processes (the uid's count is moot).
        apply_rlimits(limits, processes=not request.get("cgroup"))
        if request.get("seccomp"):
            install_filter(bytes.fromhex(request["seccomp"]))
    except Exception as exc:
        os.write(fds[2], f"tpgrade zygote: cannot prepare the runner: {exc}\n".encode())
        os._exit(70)
    runner = os.fork()
    if runner == 0:
        _become_runner(fds)
    for fd in fds:
        os.close(fd)
    while True:  # reap orphans until the runner itself ends
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(70)
        if pid == runner:
            os._exit(_exit_code(status))


def _become_runner(fds: list[int]) -> None:
    """C: the runner, on the judge's pipes, in a fresh session. Never returns."""
    os.setsid()
    os.chdir("/tmp")
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    os.closerange(3, 1 << 16)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    from tpgrade.runner.server import main

    try:
        main()
    finally:
        os._exit(1)


def _spawn(fds: list[int], request: dict[str, Any], control: socket.socket) -> int:
    """Fork A, which makes the namespaces, forks B and mirrors B's exit."""
    child = os.fork()
    if child != 0:
        for fd in fds:
            os.close(fd)
        return child
    try:
        control.close()
        for fd in fds[3:]:  # the submission's cgroup: A moves in before anything else starts
            os.write(fd, b"0")
            os.close(fd)
        fds = fds[:3]
        os.setsid()
        _check(
            _libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS), "unshare"
        )
        init = os.fork()
        if init == 0:
            _namespace_init(fds, request)
        for fd in fds:
            os.close(fd)
        _, status = os.waitpid(init, 0)
        os._exit(_exit_code(status))
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.write(fds[2], f"tpgrade zygote: cannot start the runner: {exc}\n".encode())
        os._exit(70)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as stream:
            return [int(p) for p in stream.read().split()]
    except (OSError, ValueError):
        return []


def _count(pid: int) -> int:
    """Processes below the runner (B and the runner itself not counted)."""
    count, pending = 0, list(_children(pid))
    while pending:
        current = pending.pop()
        children = _children(current)
        count += len(children)
        pending.extend(children)
    return max(0, count - 1)


def _kill(pid: int) -> int:
    for init in _children(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(init, signal.SIGKILL)  # PID 1 of the namespace: the whole namespace goes
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    code = _reap(pid, block=True)
    return 137 if code is None else code


def _reap(pid: int, block: bool) -> int | None:
    try:
        done, status = os.waitpid(pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return None
    return _exit_code(status) if done else None


def serve(control: socket.socket) -> None:
    statuses: dict[int, int] = {}
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 16, MAX_FDS)
        except OSError:
            return
        if not data:
            return
        request = json.loads(data)
        op, pid = request["op"], int(request.get("pid", 0))
        answer: dict[str, Any] = {}
        if op == "spawn":
            answer["pid"] = _spawn(fds, request, control)
        elif op == "count":
            answer["count"] = _count(pid)
        elif op == "poll":
            if pid not in statuses and (code := _reap(pid, block=False)) is not None:
                statuses[pid] = code
            answer["status"] = statuses.get(pid)
        elif op == "kill":
            known = statuses.pop(pid, None)
            answer["status"] = known if known is not None else _kill(pid)
        control.send(json.dumps(answer).encode())


def main(preload: list[str], control_fd: int = CONTROL_FD) -> None:
    for name in preload:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    import tpgrade.runner.server  # imported once for every runner

    tpgrade.runner.server.import_lazy_parts()

    control = socket.socket(fileno=control_fd)
    control.send(json.dumps({"ready": os.getpid()}).encode())
    serve(control)
    os._exit(0)
