"""The sandbox's self-test before a cohort: a backend that cannot run one cell is one clear line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tpgrade.errors import SandboxUnavailable
from tpgrade.judge.selftest import self_test
from tpgrade.sandbox import Limits, RunnerProcess
from tpgrade.sandbox.base import PopenRunner
from tpgrade.sandbox.none import NoSandbox


class DeadOnArrival(NoSandbox):
    """A backend whose runner says something on stderr and exits at once."""

    def launch(self, limits: Limits, slot: int = 0) -> RunnerProcess:
        script = "import sys; sys.stderr.write('no /runner mount\\n'); sys.exit(3)"
        popen = subprocess.Popen(
            [sys.executable, "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        return PopenRunner(popen)


def test_a_working_backend_passes() -> None:
    self_test(NoSandbox(), Limits())


def test_a_runner_that_dies_at_once_is_one_sandbox_unavailable_line() -> None:
    with pytest.raises(SandboxUnavailable) as raised:
        self_test(DeadOnArrival(), Limits())
    message = str(raised.value)
    assert "self-test" in message and "\n" not in message.strip()
