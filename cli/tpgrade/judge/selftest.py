"""The chosen sandbox's self-test, before a cohort starts: one real round trip.

A runner is launched, loads a program of one cell and answers one call. A
backend that cannot do it (an image that does not start, a mount that fails,
a runner that dies at once) is one :class:`SandboxUnavailable` line, with what
the runner said, instead of the same failure on every submission in every
worker.
"""

from __future__ import annotations

from tpgrade.errors import SandboxUnavailable
from tpgrade.judge.session import RemoteStudent
from tpgrade.judge.student import Student
from tpgrade.judge.submission import program_from_source
from tpgrade.sandbox import Limits, Sandbox

PROBE = "def tpgrade_self_test(x):\n    return x + 1\n"
BUDGET = 120.0  # seconds: a first docker container or a cold torch import can take a while


def self_test(sandbox: Sandbox, limits: Limits, slot: int = 0) -> None:
    """Raise :class:`SandboxUnavailable` unless ``sandbox`` runs one cell and answers one call
    (in ``slot``: a warm sandbox's zygote for that slot is then started, ready for the first job)."""
    remote = RemoteStudent(
        sandbox,
        program_from_source(PROBE),
        limits,
        cell_timeout=BUDGET,
        load_budget=BUDGET,
        slot=slot,
        submission_budget=BUDGET,
    )
    try:
        load = remote.start()
        if "tpgrade_self_test" not in load.defined:
            said = "; ".join(issue.message for issue in load.issues) or "the program was not loaded"
            raise SandboxUnavailable(f"the {sandbox.name} sandbox failed its self-test: {said}")
        remote.enter_question("self-test")
        answer = Student(remote, timeout=BUDGET).call("tpgrade_self_test", 41)
        if answer != 42:
            raise SandboxUnavailable(f"the {sandbox.name} sandbox failed its self-test: answered {answer!r}")
    except Exception as exc:  # the runner died, hung or answered nonsense: its own words follow
        said = " ".join(str(exc).split())[:400]
        if "self-test" in said:
            raise SandboxUnavailable(said) from None
        raise SandboxUnavailable(f"the {sandbox.name} sandbox failed its self-test: {said}") from None
    finally:
        remote.close()
