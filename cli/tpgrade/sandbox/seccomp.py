"""The seccomp filter of the process sandbox: system calls a grading runner never needs.

A classic BPF program, built here by the judge and installed in the runner
(bubblewrap's ``--seccomp`` for cold runners; the zygote's forks install the
same bytes themselves). It checks the architecture first: a system call of
another ABI (i386 through ``int 0x80``, x32) is refused, so that no other
numbering slips past the table. Refused calls fail with ``EPERM``, as in
docker's default profile; ``clone3`` fails with ``ENOSYS``, because its flags
lie in memory that the filter cannot read, and glibc then falls back to
``clone``, whose flags the filter checks (no new namespaces).
"""

from __future__ import annotations

import errno
import platform
import struct
from dataclasses import dataclass

# seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]
_NR, _ARCH, _ARG0_LOW = 0, 4, 16
_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
X32_SYSCALL_BIT = 0x40000000
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET (NEWTIME exists only for clone3)
CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

REFUSED = (
    "keyctl",
    "add_key",
    "request_key",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "perf_event_open",
    "bpf",
    "userfaultfd",
    "kexec_load",
    "kexec_file_load",
    "mount",
    "umount2",
    "pivot_root",
    "swapon",
    "swapoff",
    "reboot",
    "init_module",
    "finit_module",
    "delete_module",
    "acct",
    "setns",
    "unshare",
    "syslog",
    "open_by_handle_at",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
)
_NEW_API = {
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "clone3": 435,
    "mount_setattr": 442,
}
_X86_64 = {
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
    "syslog": 103,
    "open_by_handle_at": 304,
    "clone": 56,
    **_NEW_API,
}
_GENERIC = {  # the asm-generic numbering (aarch64)
    "keyctl": 219,
    "add_key": 217,
    "request_key": 218,
    "ptrace": 117,
    "process_vm_readv": 270,
    "process_vm_writev": 271,
    "perf_event_open": 241,
    "bpf": 280,
    "userfaultfd": 282,
    "kexec_load": 104,
    "kexec_file_load": 294,
    "mount": 40,
    "umount2": 39,
    "pivot_root": 41,
    "swapon": 224,
    "swapoff": 225,
    "reboot": 142,
    "init_module": 105,
    "finit_module": 273,
    "delete_module": 106,
    "acct": 89,
    "setns": 268,
    "unshare": 97,
    "syslog": 116,
    "open_by_handle_at": 265,
    "clone": 220,
    **_NEW_API,
}


@dataclass(frozen=True)
class Abi:
    """One architecture: its audit id, its system call numbers, whether x32 shares its id."""

    audit_arch: int
    numbers: dict[str, int]
    x32_bit: bool


ABIS = {
    "x86_64": Abi(0xC000003E, _X86_64, x32_bit=True),
    "aarch64": Abi(0xC00000B7, _GENERIC, x32_bit=False),
}


def native_abi() -> Abi | None:
    """The ABI of this machine, or ``None`` where the filter has no table for it."""
    return ABIS.get(platform.machine())


def _errno(code: int) -> int:
    return RET_ERRNO | code


def build(abi: Abi) -> bytes:
    """The filter program for ``abi``, as the ``struct sock_filter`` array the kernel reads."""
    # (code, jt, jf, k) with jumps given as label names, resolved below.
    program: list[tuple[int, str | int, str | int, int]] = [
        (_LD_W_ABS, 0, 0, _ARCH),
        (_JEQ_K, 0, "deny", abi.audit_arch),
        (_LD_W_ABS, 0, 0, _NR),
    ]
    if abi.x32_bit:
        program.append((_JGE_K, "deny", 0, X32_SYSCALL_BIT))
    program.append((_JEQ_K, "enosys", 0, abi.numbers["clone3"]))
    program.append((_JEQ_K, "clone", 0, abi.numbers["clone"]))
    program += [(_JEQ_K, "deny", 0, abi.numbers[name]) for name in REFUSED]
    program.append((_RET_K, 0, 0, RET_ALLOW))
    labels = {"clone": len(program)}
    program += [
        (_LD_W_ABS, 0, 0, _ARG0_LOW),
        (_JSET_K, "deny", 0, CLONE_NAMESPACES),
        (_RET_K, 0, 0, RET_ALLOW),
    ]
    labels["deny"] = len(program)
    program.append((_RET_K, 0, 0, _errno(errno.EPERM)))
    labels["enosys"] = len(program)
    program.append((_RET_K, 0, 0, _errno(errno.ENOSYS)))

    def offset(at: int, target: str | int) -> int:
        if isinstance(target, int):
            return target
        jump = labels[target] - at - 1
        assert 0 <= jump < 256, "a jump of the filter is out of reach"
        return jump

    return b"".join(
        struct.pack("=HBBI", code, offset(at, jt), offset(at, jf), k)
        for at, (code, jt, jf, k) in enumerate(program)
    )


def native_program() -> bytes | None:
    """The filter for this machine (``None`` where there is no table for it)."""
    abi = native_abi()
    return None if abi is None else build(abi)
