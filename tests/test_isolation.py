"""Students must not reach each other: seccomp, namespaces and cgroups of the process sandbox,
and the docker container's PID 1.

Each refusal of the seccomp filter is checked three ways: the program itself
through a small BPF interpreter (everywhere), in a root process where each
call would otherwise get another answer, and from inside real runners (cold
and warm). Runners are driven through :class:`RemoteStudent`, as grading does.
"""

from __future__ import annotations

import json
import os
import platform
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import docker_or_skip

from tpgrade.errors import SandboxUnavailable
from tpgrade.judge.session import RemoteStudent
from tpgrade.judge.student import Student
from tpgrade.judge.submission import Cell, Program
from tpgrade.sandbox import (
    Limits,
    RunnerProcess,
    Sandbox,
    cgroups,
    choose_sandbox,
    docker,
    seccomp,
)
from tpgrade.sandbox.process import BubblewrapSandbox

# Starts real sandboxes: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow

SLOT = 41
AS_ROOT = os.geteuid() == 0
X86_64 = platform.machine() == "x86_64"
needs_root = pytest.mark.skipif(not AS_ROOT, reason="warm runners and cgroups need root")
needs_x86_64 = pytest.mark.skipif(not X86_64, reason="the probes use x86_64 system call numbers")

# Written out here, apart from the module's table, so that a wrong number there shows.
X86_64_NUMBERS = {
    "keyctl": 250,
    "add_key": 248,
    "request_key": 249,
    "ptrace": 101,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "perf_event_open": 298,
    "bpf": 321,
    "userfaultfd": 323,
    "kexec_load": 246,
    "kexec_file_load": 320,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "init_module": 175,
    "finit_module": 313,
    "delete_module": 176,
    "acct": 163,
    "setns": 308,
    "unshare": 272,
}

# Every call with arguments that make it fail on its own (or do nothing) where no filter
# stands in the way, even as root: so a root process tells the filter's EPERM apart.
SYSCALL_PROBE = r'''
import ctypes, errno, mmap, os
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
NOWHERE = b"/nonexistent-tpgrade-probe"
CLONE_NEWUSER, SIGCHLD = 0x10000000, 17
CALLS = {
    "keyctl": (250, 0x7FFF, 0, 0, 0, 0),
    "add_key": (248, b"", b"", None, 0, -4),
    "request_key": (249, b"", b"", None, 0),
    "ptrace": (101, 0x7FFF, 0, 0, 0),
    "process_vm_readv": (310, 0, None, 0, None, 0, 1),
    "process_vm_writev": (311, 0, None, 0, None, 0, 1),
    "perf_event_open": (298, None, 0, -1, -1, 0),
    "bpf": (321, 0x7FFF, None, 0),
    "userfaultfd": (323, 0x7FFFFFFF),
    "kexec_load": (246, 0, 0, None, 0xFFFFFFFF),
    "kexec_file_load": (320, -1, -1, 0, None, 0xFFFFFFFF),
    "mount": (165, b"none", NOWHERE, b"tmpfs", 0, None),
    "umount2": (166, NOWHERE, 0),
    "pivot_root": (155, NOWHERE, NOWHERE),
    "swapon": (167, NOWHERE, 0),
    "swapoff": (168, NOWHERE),
    "reboot": (169, 0, 0, 0, None),
    "init_module": (175, None, 0, b""),
    "finit_module": (313, -1, b"", 0),
    "delete_module": (176, b"tpgrade_no_such_module", 0),
    "acct": (163, NOWHERE),
    "setns": (308, -1, 0),
    "unshare": (272, 0),
    "clone_newuser": (56, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0),
    "clone3": (435, None, 0),
}
X32_GETPID = b"\xb8\x27\x00\x00\x40\x0f\x05\xc3"  # mov eax, 39 | x32 bit; syscall; ret
I386_GETPID = b"\xb8\x14\x00\x00\x00\xcd\x80\xc3"  # mov eax, 20; int 0x80; ret


def _name(code):
    return errno.errorcode.get(code, str(code))


def _machine_code(code):
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    result = ctypes.CFUNCTYPE(ctypes.c_int)(address)()
    return _name(-result) if -4096 < result < 0 else "ok"


def _in_child(run):
    """``run()``'s answer from a forked child (an ABI the kernel lacks ends it with a signal)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, run().encode())
        os._exit(0)
    os.close(write)
    answer = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(pid, 0)
    return answer or "crashed"


def call_all(skip=()):
    seen = {}
    for name, (number, *args) in CALLS.items():
        if name in skip:
            continue
        ctypes.set_errno(0)
        arguments = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
        result = _libc.syscall(ctypes.c_long(number), *arguments)
        if name == "clone_newuser" and result == 0:  # no filter: this is the new child
            os._exit(0)
        if name == "clone_newuser" and result > 0:
            os.waitpid(result, 0)
        seen[name] = _name(ctypes.get_errno()) if result == -1 else "ok"
    seen["x32"] = _in_child(lambda: _machine_code(X32_GETPID))
    seen["i386"] = _in_child(lambda: _machine_code(I386_GETPID))
    return seen


def filter_state():
    status = open("/proc/self/status").read().splitlines()
    return [line.split()[1] for line in status if line.startswith("Seccomp:")][0]
'''
REFUSED_HERE = {name: "EPERM" for name in [*X86_64_NUMBERS, "clone_newuser", "x32", "i386"]} | {
    "clone3": "ENOSYS"
}
# Whatever the host's kernel configuration, these fail with another errno than EPERM as root.
DISTINCT_AS_ROOT = sorted(
    set(X86_64_NUMBERS) - {"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module"}
)


# --- the program, through a classic BPF interpreter ----------------------------------


def run_filter(program: bytes, nr: int, arch: int, arg0: int = 0) -> int:
    """What the filter answers for one system call (the subset of BPF that the module emits)."""
    data = struct.pack("=iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)
    code = [struct.unpack_from("=HBBI", program, at) for at in range(0, len(program), 8)]
    accumulator, pc = 0, 0
    while True:
        op, jt, jf, k = code[pc]
        if op == 0x20:
            (accumulator,) = struct.unpack_from("=I", data, k)
            pc += 1
        elif op in (0x15, 0x35, 0x45):
            taken = {0x15: accumulator == k, 0x35: accumulator >= k, 0x45: bool(accumulator & k)}[op]
            pc += 1 + (jt if taken else jf)
        elif op == 0x06:
            return int(k)
        else:
            raise AssertionError(f"unexpected BPF instruction {op:#x}")


EPERM, ENOSYS, ALLOW = 0x00050000 | 1, 0x00050000 | 38, 0x7FFF0000
AUDIT_X86_64, AUDIT_I386, AUDIT_AARCH64 = 0xC000003E, 0x40000003, 0xC00000B7


def test_the_filter_refuses_each_call_and_allows_the_rest() -> None:
    program = seccomp.build(seccomp.ABIS["x86_64"])
    for name, number in X86_64_NUMBERS.items():
        assert run_filter(program, number, AUDIT_X86_64) == EPERM, name
    assert run_filter(program, 435, AUDIT_X86_64) == ENOSYS  # clone3: glibc falls back to clone
    # read, write, open, mmap, fork, vfork, execve, exit, exit_group
    for allowed in (0, 1, 2, 9, 57, 58, 59, 60, 231):
        assert run_filter(program, allowed, AUDIT_X86_64) == ALLOW, allowed
    threads = 0x003D0F00  # what pthread_create passes to clone
    assert run_filter(program, 56, AUDIT_X86_64, threads | 17) == ALLOW
    assert run_filter(program, 56, AUDIT_X86_64, 0x10000000 | 17) == EPERM  # CLONE_NEWUSER
    assert run_filter(program, 56, AUDIT_X86_64, 0x40000000 | 17) == EPERM  # CLONE_NEWNET
    assert run_filter(program, 39 | 0x40000000, AUDIT_X86_64) == EPERM  # x32 getpid
    assert run_filter(program, 20, AUDIT_I386) == EPERM  # i386 getpid


def test_the_generic_table_refuses_by_its_own_numbers() -> None:
    program = seccomp.build(seccomp.ABIS["aarch64"])
    assert run_filter(program, 219, AUDIT_AARCH64) == EPERM  # keyctl
    assert run_filter(program, 97, AUDIT_AARCH64) == EPERM  # unshare
    assert run_filter(program, 250, AUDIT_AARCH64) == ALLOW  # x86_64's keyctl is something else here
    assert run_filter(program, 220, AUDIT_AARCH64, 0x10000000 | 17) == EPERM  # clone, CLONE_NEWUSER
    assert run_filter(program, 219, AUDIT_X86_64) == EPERM  # another ABI
    for name in seccomp.REFUSED:
        assert run_filter(program, seccomp.ABIS["aarch64"].numbers[name], AUDIT_AARCH64) == EPERM, name


@needs_root
@needs_x86_64
def test_each_refusal_comes_from_the_filter(tmp_path: Path) -> None:
    """As root every probe gets another answer than EPERM; with the filter, EPERM."""
    script = tmp_path / "probe.py"
    script.write_text(
        SYSCALL_PROBE
        + textwrap.dedent(
            """
            import json
            from tpgrade.runner.zygote import install_filter
            from tpgrade.sandbox.seccomp import native_program
            before = call_all(skip={"clone_newuser"})
            _libc.prctl(38, 1, 0, 0, 0)  # no_new_privs, as in the runner
            install_filter(native_program())
            print(json.dumps({"before": before, "after": call_all(), "state": filter_state()}))
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True
    )
    seen = json.loads(done.stdout)
    assert seen["state"] == "2"
    assert seen["after"] == REFUSED_HERE
    for name in DISTINCT_AS_ROOT:
        assert seen["before"][name] != "EPERM", (name, seen["before"][name])
    assert seen["before"]["clone3"] != "ENOSYS" and seen["before"]["unshare"] == "ok"
    assert seen["before"]["x32"] != "EPERM"


# --- inside real runners ---------------------------------------------------------------


class Recording(Sandbox):
    """A sandbox that keeps the runner processes it started (to look at their cgroups)."""

    def __init__(self, inner: Sandbox) -> None:
        self.inner = inner
        self.name = inner.name
        self.isolated = inner.isolated
        self.launched: list[RunnerProcess] = []

    def launch(self, limits: Limits, slot: int = 0) -> RunnerProcess:
        process = self.inner.launch(limits, slot)
        self.launched.append(process)
        return process

    def close(self) -> None:
        self.inner.close()


def runner(sandbox: Sandbox, source: str, limits: Limits | None = None) -> tuple[Student, RemoteStudent]:
    program = Program(cells=(Cell(index=0, source=source),))
    remote = RemoteStudent(
        sandbox, program, limits or Limits(), cell_timeout=60.0, load_budget=120.0, slot=SLOT
    )
    report = remote.start()
    assert report.issues == [], report.issues
    return Student(remote, timeout=60.0), remote


@pytest.fixture(params=["cold", "warm"])
def process_sandbox(request: pytest.FixtureRequest) -> Iterator[Recording]:
    if request.param == "warm" and not AS_ROOT:
        pytest.skip("warm runners need root")
    box = Recording(BubblewrapSandbox([], warm=request.param == "warm"))
    yield box
    box.close()


def test_the_sandbox_names_the_runner_processes_it_left_until_they_end(process_sandbox: Recording) -> None:
    """What the security suite's "nothing survives" check asks: it sees a live runner, cold or warm."""
    inner = process_sandbox.inner
    assert isinstance(inner, BubblewrapSandbox)
    student, remote = runner(process_sandbox, "import os\ndef pid():\n    return os.getpid()\n")
    try:
        assert student.call("pid") > 0
        assert inner.runner_processes([SLOT]) != []
        assert any(item.startswith("process ") for item in inner.leftovers())
    finally:
        remote.close()
    assert inner.runner_processes([SLOT]) == []


@needs_x86_64
def test_each_refusal_holds_inside_a_runner(process_sandbox: Recording) -> None:
    student, remote = runner(process_sandbox, SYSCALL_PROBE)
    try:
        assert student.call("filter_state") == "2"
        assert student.call("call_all") == REFUSED_HERE
        assert student.call("call_all") == REFUSED_HERE  # and the runner still forks and runs threads
    finally:
        remote.close()


KEYS = r"""
import ctypes, errno
_libc = ctypes.CDLL(None, use_errno=True)
def add_and_read():
    ctypes.set_errno(0)
    added = _libc.syscall(ctypes.c_long(248), b"user", b"tpgrade-isolation", b"secret", ctypes.c_long(6), ctypes.c_long(-4))
    add = errno.errorcode.get(ctypes.get_errno()) if added == -1 else "added"
    ctypes.set_errno(0)
    found = _libc.syscall(ctypes.c_long(250), ctypes.c_long(10), ctypes.c_long(-4), b"user", b"tpgrade-isolation", ctypes.c_long(0))
    search = errno.errorcode.get(ctypes.get_errno()) if found == -1 else "found"
    return [add, search]
"""


@needs_x86_64
def test_a_kernel_key_cannot_be_added_nor_searched(process_sandbox: Recording) -> None:
    for _ in range(2):  # the second runner finds nothing of the first either
        student, remote = runner(process_sandbox, KEYS)
        try:
            assert student.call("add_and_read") == ["EPERM", "EPERM"]
        finally:
            remote.close()


SOCKETS = r"""
import os, socket
PORT, ABSTRACT = 47123, "\0tpgrade-isolation"
def listen():
    global tcp, unix
    tcp = socket.socket()
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("127.0.0.1", PORT))
    tcp.listen(8)
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(ABSTRACT)
    unix.listen(8)
def reach():
    found = {}
    for name, family, address in (("tcp", socket.AF_INET, ("127.0.0.1", PORT)), ("unix", socket.AF_UNIX, ABSTRACT)):
        with socket.socket(family) as peer:
            peer.settimeout(5)
            try:
                peer.connect(address)
                found[name] = "connected"
            except OSError as exc:
                found[name] = type(exc).__name__
    return found
def identity():
    return [socket.gethostname(), os.readlink("/proc/self/ns/net"), os.readlink("/proc/self/ns/uts")]
"""


def test_a_listener_of_one_runner_is_out_of_reach_of_the_next(process_sandbox: Recording) -> None:
    first, first_remote = runner(process_sandbox, SOCKETS + "listen()\n")
    try:
        assert first.call("reach") == {"tcp": "connected", "unix": "connected"}  # loopback works
        second, second_remote = runner(process_sandbox, SOCKETS)
        try:
            reached = second.call("reach")
            assert "connected" not in reached.values(), reached
            hostname, net, uts = second.call("identity")
            first_hostname, first_net, first_uts = first.call("identity")
        finally:
            second_remote.close()
    finally:
        first_remote.close()
    assert hostname == first_hostname == "tpgrade"  # not the host's name
    assert net != first_net and uts != first_uts  # namespaces of their own, both alive at once


HOARD = r"""
import subprocess, sys, time
CHILD = (
    "import sys, time\n"
    "open('/proc/self/oom_score_adj', 'w').write('1000')\n"
    "block = bytearray(400 << 20)\n"
    "for i in range(0, len(block), 4096): block[i] = 1\n"
    "print('held', flush=True)\n"
    "time.sleep(120)\n"
)
def hoard(count):
    children = [subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE) for _ in range(count)]
    held = [child.stdout.readline() == b"held\n" for child in children]
    time.sleep(0.5)
    holding = sum(h and child.poll() is None for h, child in zip(held, children))
    for child in children:
        child.kill()
        child.wait()
    return holding
"""


@needs_root
def test_the_memory_of_all_children_is_limited_together(process_sandbox: Recording) -> None:
    """Six children of 400 MB each under a 1 GiB limit: each alone is allowed, not all together."""
    student, remote = runner(process_sandbox, HOARD, Limits(memory_bytes=1 << 30))
    try:
        holding = student.call("hoard", 6)
    finally:
        remote.close()
    assert 1 <= holding <= 2


STORM = r"""
import errno, os, resource, time
def storm():
    children, failure = [], None
    while len(children) < 400:
        try:
            pid = os.fork()
        except OSError as exc:
            failure = errno.errorcode.get(exc.errno)
            break
        if pid == 0:
            time.sleep(120)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    return [len(children), failure, resource.getrlimit(resource.RLIMIT_NPROC)[0]]
"""


@needs_root
def test_a_fork_storm_stops_at_the_cgroup_process_limit(process_sandbox: Recording) -> None:
    limits = Limits(processes=16)
    student, remote = runner(process_sandbox, STORM, limits)
    try:
        forked, failure, nproc = student.call("storm")
    finally:
        remote.close()
    assert failure == "EAGAIN"
    assert 4 <= forked <= limits.processes + cgroups.SANDBOX_PROCESSES
    assert nproc == -1 or nproc > 400  # the bound is the submission's cgroup, not the uid's rlimit


def _cgroup_value(cgroup: cgroups.RunnerCgroup, name: str) -> str:
    path = cgroup.file(name)
    assert path is not None, name
    return path.read_text().strip()


@needs_root
def test_a_runner_has_its_own_limited_cgroup_until_it_is_killed(process_sandbox: Recording) -> None:
    limits = Limits(memory_bytes=1 << 30, processes=24, cpus=1.0)
    student, remote = runner(process_sandbox, "import os\ndef pid():\n    return os.getpid()\n", limits)
    process = process_sandbox.launched[-1]
    cgroup: cgroups.RunnerCgroup = process.cgroup  # type: ignore[attr-defined]
    try:
        assert student.call("pid") > 0
        assert cgroup.exists() and len(cgroup.processes()) >= 2  # the runner and the sandbox around it
        if cgroup.version == 1:
            assert int(_cgroup_value(cgroup, "memory.limit_in_bytes")) == 1 << 30
            if cgroup.file("memory.memsw.limit_in_bytes") is not None:
                assert int(_cgroup_value(cgroup, "memory.memsw.limit_in_bytes")) == 1 << 30
            assert _cgroup_value(cgroup, "cpu.cfs_quota_us") == _cgroup_value(cgroup, "cpu.cfs_period_us")
        else:
            assert int(_cgroup_value(cgroup, "memory.max")) == 1 << 30
            assert _cgroup_value(cgroup, "memory.swap.max") == "0"
            quota, period = _cgroup_value(cgroup, "cpu.max").split()
            assert quota == period
        assert int(_cgroup_value(cgroup, "pids.max")) == 24 + cgroups.SANDBOX_PROCESSES
        assert cgroup.name in process_sandbox.inner.leftovers()
    finally:
        remote.close()
    assert not cgroup.exists()
    assert cgroup.name not in process_sandbox.inner.leftovers()


def _sleeper_in(cgroup: cgroups.RunnerCgroup) -> subprocess.Popen[bytes]:
    fds = cgroup.open_procs()
    try:
        return subprocess.Popen(["sleep", "300"], preexec_fn=lambda: cgroup.enter(list(fds)))
    finally:
        for fd in fds:
            os.close(fd)


@needs_root
def test_cgroups_of_a_dead_tpgrade_are_removed_at_the_next_start() -> None:
    found, note = cgroups.Cgroups.here()
    if found is None:
        pytest.skip(f"no cgroup here: {note}")
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = cgroups.Cgroups(found.version, found.hierarchies, owner=f"{gone.pid}-1")
    leftover = dead.create(Limits())
    sleeper = _sleeper_in(leftover)
    try:
        assert leftover.processes() == [sleeper.pid]
        live = found.create(Limits())  # a running tpgrade's cgroup stays
        again, _ = cgroups.Cgroups.here()
        assert again is not None
        assert sleeper.wait(timeout=20) == -9
        assert not leftover.exists() and live.exists()
        found.release(live)
        assert not live.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
        leftover.destroy()


@needs_root
def test_a_cgroup_v2_is_killed_whole_and_removed(tmp_path: Path) -> None:
    """cgroup.kill of a cgroup2 hierarchy (the unified one where v1 holds the controllers)."""
    roots = [path for path, kind, _ in cgroups._mounts() if kind == "cgroup2"]
    if not roots:
        pytest.skip("no cgroup2 hierarchy here")
    tree = cgroups.Cgroups(2, [cgroups.Hierarchy(roots[0], ())])
    cgroup = tree.create(Limits())
    sleepers = [_sleeper_in(cgroup) for _ in range(3)]
    try:
        assert sorted(cgroup.processes()) == sorted(s.pid for s in sleepers)
        cgroup.destroy()
        assert [s.wait(timeout=20) for s in sleepers] == [-9, -9, -9]
        assert not cgroup.exists()
    finally:
        for sleeper in sleepers:
            sleeper.kill()
            sleeper.wait()
        tree.close()


def test_without_cgroups_the_sandbox_says_what_is_weaker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tpgrade.sandbox.cgroups.os.geteuid", lambda: 1000)
    missing, note = cgroups.Cgroups.here()
    assert missing is None
    assert "not running as root" in note and "memory is limited per process only" in note
    assert "no CPU quota" in note
    monkeypatch.setattr(cgroups.Cgroups, "here", classmethod(lambda cls: (None, note)))
    sandbox, line = choose_sandbox("process", [], allow_none=False)
    try:
        assert note in line and note in sandbox.describe()
    finally:
        sandbox.close()


# --- docker: PID 1 -----------------------------------------------------------------------

PID1 = r"""
import ctypes, errno
_libc = ctypes.CDLL(None, use_errno=True)
def poke():
    ctypes.set_errno(0)
    attached = _libc.syscall(ctypes.c_long(101), ctypes.c_long(16), ctypes.c_long(1), None, None)
    found = {"attach": errno.errorcode.get(ctypes.get_errno()) if attached == -1 else "attached"}
    try:
        with open("/proc/1/mem", "r+b", buffering=0):
            found["mem"] = "opened"
    except OSError as exc:
        found["mem"] = errno.errorcode.get(exc.errno)
    found["pid1"] = open("/proc/1/cmdline", "rb").read().decode().split("\0")[:5]
    return found
"""


class _Images:
    def inspect_image(self, tag: str) -> dict[str, Any]:
        return {"Config": {"Labels": {docker.DIGEST_LABEL: docker.runner_digest()}}}

    def containers(self, **kwargs: Any) -> list[dict[str, Any]]:
        return []


def test_pid_1_of_a_container_is_the_supervisor() -> None:
    client = type("Client", (), {"api": _Images()})()
    command = docker.DockerSandbox(client=client).runner_command(Limits())
    assert command[:5] == ["python3", "-I", "-B", "-c", docker.SUPERVISOR_BOOT]
    assert command[5] == str(docker.LIFETIME_SECONDS)
    assert command[6:10] == ["python3", "-I", "-B", "-c"] and "runner.server" in command[-1]


@pytest.fixture
def docker_box() -> Iterator[Recording]:
    box = Recording(docker_or_skip())
    yield box
    box.close()


def test_the_runner_cannot_trace_pid_1_and_the_container_dies_on_kill(docker_box: Recording) -> None:
    student, remote = runner(docker_box, PID1)
    try:
        found: dict[str, Any] = student.call("poke")
    finally:
        remote.close()
    assert found["attach"] == "EPERM"
    assert found["mem"] in ("EACCES", "EPERM")
    assert "tpgrade.runner.supervisor" in " ".join(found["pid1"])
    process = docker_box.launched[-1]
    assert process.exit_code() == 137
    assert docker_box.inner.leftovers() == []


def test_a_container_ends_after_its_lifetime(docker_box: Recording, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker, "LIFETIME_SECONDS", 2)
    process = docker_box.launch(Limits(), slot=SLOT)
    try:
        assert process.wait(60) == 137  # the runner waits on its stdin; PID 1's alarm ends it
    finally:
        process.kill()
    assert docker_box.inner.leftovers() == []


def test_an_unknown_architecture_has_no_filter_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("platform.machine", lambda: "sparc64")
    assert seccomp.native_program() is None
    try:
        box = BubblewrapSandbox([], warm=False)
    except SandboxUnavailable as exc:
        pytest.skip(f"no process sandbox here: {exc}")
    try:
        assert "no seccomp filter" in box.describe()
    finally:
        box.close()
