"""No isolation: a plain child process with resource limits.

For the public checks of a student's own notebook on their own machine.
Hidden graders refuse it unless the instructor asks explicitly.
"""

from __future__ import annotations

import os
import subprocess

from tpgrade.sandbox.base import (
    RUNNER_ENV,
    PopenRunner,
    RunnerProcess,
    Sandbox,
    default_package_parent,
    runner_argv,
)
from tpgrade.wire.limits import Limits, apply_rlimits


class NoSandbox(Sandbox):
    name = "none"
    isolated = False

    def __init__(self, device: str = "cpu") -> None:
        self.device = device

    def launch(self, limits: Limits, slot: int = 0) -> RunnerProcess:
        env = dict(RUNNER_ENV, HOME=os.environ.get("HOME", "/tmp"), TPGRADE_DEVICE=self.device)
        env.pop("TMPDIR")
        env.pop("MPLCONFIGDIR")
        popen = subprocess.Popen(
            runner_argv(default_package_parent()),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
            preexec_fn=lambda: apply_rlimits(limits, processes=False),
        )
        return PopenRunner(popen)
