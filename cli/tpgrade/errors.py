"""Errors of tpgrade itself, and the exit codes of the ``tpgrade`` command.

    TpgradeError            a user error: printed as one line, never a traceback
    ├── UsageError          bad arguments or an unknown day            exit 2
    ├── InputError          a file or folder that cannot be used       exit 3
    ├── SandboxUnavailable  the asked-for sandbox cannot run here      exit 4
    ├── StoreError          the results database cannot be used        exit 5
    ├── GraderError         the course's graders cannot be used        exit 6
    └── BuildError          an image or a wheel could not be built     exit 7

Exit codes of the commands themselves: 0 success, 1 the checked or
validated work did not pass (``check``, ``validate``), 130 interrupted.
A submission that fails, crashes or is rejected is a *result*, not an error:
it never changes the exit code of ``tpgrade grade``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


class TpgradeError(Exception):
    """An error caused by the user's input or environment; ``str()`` is the message.

    Never raised itself: each kind below has its exit code, and 1 stays for "the checked
    or validated work did not pass"."""

    exit_code = 3


class UsageError(TpgradeError):
    exit_code = 2


class InputError(TpgradeError):
    exit_code = 3


class SandboxUnavailable(TpgradeError):
    exit_code = 4


class StoreError(TpgradeError):
    exit_code = 5


class GraderError(TpgradeError):
    exit_code = 6


class BuildError(TpgradeError):
    exit_code = 7
