"""Hostile Day 2 submissions, graded as one batch in the process sandbox.

Each is the reference with one attack added. The attacked question scores 0
with a reason, every other question keeps full marks, the batch finishes,
and the honest submissions graded around the attackers are unaffected.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tpgrade import paths
from tpgrade.batch import Outcome, grade_all
from tpgrade.engine import GradingConfig, grader_version
from tpgrade.models import SubmissionResult
from tpgrade.sandbox import choose_sandbox
from tpgrade.sandbox.bubblewrap import SANDBOX_UID_BASE
from tpgrade.store import Store

COURSE = paths.course_root()

# name -> (code appended to the reference, attacked question or None, statuses accepted for it)
ATTACKS: dict[str, tuple[str, str | None, set[str]]] = {
    "read_graders": (
        f"""
def sgd_step(params, grads, lr):
    for path in ({str(COURSE / "graders/day2/test_sgd_step.py")!r},
                 {str(COURSE / "reference/day2/solution.py")!r}, "../graders/day2/test_sgd_step.py"):
        exec(open(path).read(), globals())
    return params
""",
        "sgd_step",
        {"error"},
    ),
    "stack_walk": (
        """
import inspect, sys
def softmax(Z):
    frame = sys._getframe(1)
    while frame is not None:
        for value in frame.f_locals.values():
            if isinstance(value, np.ndarray) and value.shape == Z.shape and value is not Z:
                return value
        frame = frame.f_back
    for info in inspect.stack():
        for value in info.frame.f_locals.values():
            if isinstance(value, np.ndarray) and value.shape == Z.shape and value is not Z:
                return value
    return np.zeros_like(Z)
""",
        "softmax",
        {"failed"},
    ),
    "patch_comparisons": (
        """
import numpy.testing
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.testing.assert_array_almost_equal = lambda *a, **k: None
def grad_quadratic(x):
    return np.zeros(2)
""",
        "grad_quadratic",
        {"failed"},
    ),
    "always_equal": (
        """
class AlwaysEqual(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __abs__(self): return 0.0
def cross_entropy(logits, y):
    return AlwaysEqual(float("nan"))
""",
        "cross_entropy",
        {"failed", "invalid_output"},
    ),
    "infinite_loop_in_function": (
        "\ndef grad_quadratic(x):\n    while True:\n        pass\n",
        "grad_quadratic",
        {"timed_out"},
    ),
    "huge_allocation": (
        "\ndef numerical_gradient(f, x, eps=1e-5):\n    return np.ones(int(50e9) // 8)\n",
        "numerical_gradient",
        {"error"},
    ),
    "huge_return_value": (
        "\ndef softmax(Z):\n    return np.ones((20000, 20000))\n",
        "softmax",
        {"invalid_output", "error"},
    ),
    "fake_results_file": (
        f"""
for target in ("results.json", {str(COURSE / "results.json")!r}, "/tmp/results.json"):
    try:
        with open(target, "w") as stream:
            stream.write('{{"score": 100}}')
    except OSError:
        pass
def grad_quadratic(x):
    return np.array([x[1], x[0]])
""",
        "grad_quadratic",
        {"failed"},
    ),
    "fork_bomb": (
        """
import os
def sgd_step(params, grads, lr):
    while True:
        os.fork()
""",
        "sgd_step",
        {"error", "timed_out", "crashed"},
    ),
    "stdout_flood": (
        "\nimport sys\ndef grad_quadratic(x):\n    sys.stdout.write('x' * (1 << 30))\n    return None\n",
        "grad_quadratic",
        {"failed", "timed_out", "error"},
    ),
    "segfault": (
        "\nimport ctypes\ndef softmax(Z):\n    ctypes.string_at(0)\n",
        "softmax",
        {"crashed"},
    ),
    "network_and_environment": (
        """
import os, socket
def cross_entropy(logits, y):
    leaked = [k for k in os.environ if "TOKEN" in k or "SECRET" in k]
    socket.create_connection(("127.0.0.1", 22), timeout=2)
    return float(len(leaked))
""",
        "cross_entropy",
        {"error"},
    ),
    "exit_in_cell": ("\nimport sys\nsys.exit(0)\n", None, set()),
    "os_exit_in_cell": ("\nimport os\nos._exit(0)\n", None, set()),
    "infinite_loop_in_cell": ("\nwhile True:\n    pass\n", None, set()),
    "daemon_in_cell": (
        """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(600):
            with open("/tmp/daemon.txt", "a") as stream:
                stream.write("still here\\n")
            time.sleep(0.1)
    os._exit(0)
""",
        None,
        set(),
    ),
}
CONTROLS = ("aaa_control", "zzz_control")
SLOT = 37  # a uid of its own, so that leftovers of this batch can be told from other runs
EXIT_AT_LOAD = {"exit_in_cell", "os_exit_in_cell", "infinite_loop_in_cell"}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    folder = tmp_path_factory.mktemp("cohort")
    reference = paths.reference_file("day2").read_text(encoding="utf-8")
    # The functions stay defined *before* and *after* a load-time attack.
    head, _, tail = reference.partition("\n# --- Optimisers")
    for name, (code, _question, _statuses) in ATTACKS.items():
        if name in EXIT_AT_LOAD or name == "daemon_in_cell":
            text = head + "\n" + code + "\n# --- Optimisers" + tail
        else:
            text = reference + "\n" + code
        (folder / f"{name}.py").write_text(text)
    for name in CONTROLS:
        (folder / f"{name}.py").write_text(reference)
    sandbox, _ = choose_sandbox("process", [COURSE, folder], allow_none=False)
    config = GradingConfig(
        day="day2",
        tests_dir=paths.graders_dir("day2"),
        sandbox=sandbox,
        grader_version=grader_version("day2"),
        cell_timeout=5.0,
        seed=1234,
        slot=SLOT,
    )
    store = Store(tmp_path_factory.mktemp("store") / "s.sqlite")
    outcomes = grade_all(sorted(folder.iterdir()), config, store)
    assert not (folder / "results.json").exists()
    return {outcome.result.student: outcome for outcome in outcomes}


def full_marks_except(result: SubmissionResult, attacked: str | None) -> list[str]:
    return [
        f"{q.name}: {q.status} {q.message}"
        for q in result.questions.values()
        if q.name != attacked and q.score != q.max_score
    ]


def test_every_submission_has_a_result(batch: dict[str, Outcome]) -> None:
    assert set(batch) == set(ATTACKS) | set(CONTROLS)
    assert all(outcome.result.status == "graded" for outcome in batch.values())


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_scores_zero_on_its_question_only(batch: dict[str, Outcome], name: str) -> None:
    result = batch[name].result
    _code, attacked, statuses = ATTACKS[name]
    assert full_marks_except(result, attacked) == []
    if attacked is not None:
        question = result.questions[attacked]
        assert question.score == 0, question
        assert question.status in statuses, question
        assert question.message


@pytest.mark.parametrize("name", sorted(EXIT_AT_LOAD))
def test_load_time_attacks_are_reported(batch: dict[str, Outcome], name: str) -> None:
    issues = batch[name].result.load.issues
    kinds = {issue.kind for issue in issues}
    assert kinds & {"error", "process_exited", "timed_out"}, issues


def test_honest_neighbours_are_graded_as_if_alone(batch: dict[str, Outcome]) -> None:
    first, last = (batch[name].result for name in CONTROLS)
    assert first.score == first.max_score and last.score == last.max_score
    assert first.questions == last.questions
    assert not first.load.issues and not last.load.issues


def runner_processes() -> list[int]:
    """Processes left by this batch: those of its sandbox uid (as root), else any runner."""
    uid = str(SANDBOX_UID_BASE + SLOT)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.geteuid() == 0:
                status = (entry / "status").read_text()
                real_uid = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
                if real_uid == uid:
                    found.append(int(entry.name))
            elif b"tpgrade.runner.server" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_nothing_outlives_the_batch(batch: dict[str, Outcome]) -> None:
    assert runner_processes() == []
