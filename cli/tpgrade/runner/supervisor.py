"""PID 1 of a runner's container: start the runner, end it after its lifetime.

``python3 -c 'from tpgrade.runner.supervisor import main; main()' SECONDS COMMAND...``

The supervisor makes itself non-dumpable before it starts anything, so the
runner, which has the same uid and no capabilities, can neither ``ptrace`` it
nor read or write its memory (``/proc/1/mem``): it cannot swallow the alarm
that enforces the lifetime. Signals from inside the container reach PID 1
only where it handles them, and it handles only its own alarm (a runner that
sends it one ends its own container). It reaps orphans and exits with the
runner's status; its exit ends every process of the container. The judge's
own deadline, which kills the container from outside, stays the authority:
this cap only bounds a container whose judge died.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_DUMPABLE = 4
KILLED = 128 + signal.SIGKILL


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _expire(signum: int, frame: object) -> None:
    os._exit(KILLED)  # the kernel kills the rest of the container with its PID 1


def main() -> None:
    lifetime, command = int(sys.argv[1]), sys.argv[2:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        os.write(2, b"tpgrade supervisor: cannot make PID 1 non-dumpable\n")
        os._exit(70)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # dropped by the kernel, like any unhandled signal
    runner = os.fork()
    if runner == 0:
        try:
            os.execvp(command[0], command)  # the runner is dumpable again: only PID 1 must not be
        finally:
            os._exit(127)
    signal.signal(signal.SIGALRM, _expire)
    signal.alarm(lifetime)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(70)
        if pid == runner:
            os._exit(_exit_code(status))
