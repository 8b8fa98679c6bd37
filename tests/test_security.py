"""The security suite: hostile Day 2 submissions graded as one batch, on every backend.

Each submission is the reference with one attack (``hostile_attacks.py``).
For each: the attacked question scores 0 with a reason, every other question
keeps full marks, the honest submissions graded before and after the
attackers get identical results, nothing started by the batch outlives it,
and nothing on the host changes (the cohort, the course, a sentinel file).

The docker backend needs an engine and the CPU grading image (``tpgrade image
build``). Where they are missing its tests are skipped, except when
``TPGRADE_REQUIRE_DOCKER=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import docker_or_skip
from hostile_attacks import ATTACKS, SPLIT_MARKER

from tpgrade import paths
from tpgrade.cohort.batch import Outcome, SandboxSpec, grade_all
from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.judge.engine import GradingConfig, grader_version
from tpgrade.judge.session import MAX_LOAD_ISSUES, SUBMISSION_BUDGET
from tpgrade.models import SubmissionResult
from tpgrade.sandbox import Sandbox, choose_sandbox
from tpgrade.sandbox.process import BubblewrapSandbox

# Not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow

COURSE = paths.course_root()
CONTROLS = ("aaa_control", "zzz_control")
SLOT = 37  # uids of its own, so that leftovers of this batch can be told from other runs
# Two grading workers, as `tpgrade grade` runs on two cores: attacks are graded next to
# each other, and a worker's slot is SLOT + 1 + its index (a replaced pool: the next ones).
WORKERS = 2
SLOTS = range(SLOT, SLOT + 1 + 2 * WORKERS)
SECRET = "TPGRADE_TEST_SECRET_TOKEN"
BACKENDS = ("process", "docker")


@dataclass
class Batch:
    backend: str
    sandbox: Sandbox
    outcomes: dict[str, Outcome]
    before: dict[str, str]
    watched: list[Path]
    store: Path


def snapshot(roots: list[Path]) -> dict[str, str]:
    """Every file under ``roots`` with its digest (the host state an attack could change)."""
    found: dict[str, str] = {}
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def make_sandbox(backend: str, hidden: list[Path]) -> Sandbox:
    if backend == "docker":
        sandbox: Sandbox = docker_or_skip()
        return sandbox
    return choose_sandbox(backend, hidden, allow_none=False)[0]


@pytest.fixture(scope="module", params=BACKENDS)
def batch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    backend: str = request.param
    base = tmp_path_factory.mktemp(f"security-{backend}")
    folder, store_path, sentinel = base / "cohort", base / "store" / "s.sqlite", base / "sentinel.txt"
    folder.mkdir()
    store_path.parent.mkdir()
    sentinel.write_text("untouched\n")
    sandbox = make_sandbox(backend, [COURSE, base])
    spec = SandboxSpec(backend, (COURSE, base), allow_none=False)
    reference = paths.reference_file("day2").read_text(encoding="utf-8")
    head, marker, tail = reference.partition(SPLIT_MARKER)
    assert marker, "the Day 2 reference lost the line the load-time attacks are inserted before"
    places = {
        "@COURSE@": str(COURSE),
        "@COHORT@": str(folder),
        "@STORE@": str(store_path),
        "@SENTINEL@": str(sentinel),
    }
    for name, attack in ATTACKS.items():
        code = attack.code
        for placeholder, value in places.items():
            code = code.replace(placeholder, value)
        text = head + "\n" + code + marker + tail if attack.at_load else reference + "\n" + code
        (folder / f"{name}.py").write_text(text)
    for name in CONTROLS:
        (folder / f"{name}.py").write_text(reference)
    watched = [folder, sentinel, COURSE / "graders" / "day2", COURSE / "reference" / "day2"]
    before = snapshot(watched)
    config = GradingConfig(
        day="day2",
        tests_dir=paths.graders_dir("day2"),
        sandbox=sandbox,
        grader_version=grader_version("day2"),
        cell_timeout=5.0,
        seed=1234,
        slot=SLOT,
    )
    os.environ[SECRET] = "do-not-leak"
    try:
        outcomes = grade_all(
            sorted(folder.iterdir()), config, SqliteStore(store_path), workers=WORKERS, spec=spec
        )
    finally:
        os.environ.pop(SECRET, None)
        sandbox.close()
    time.sleep(1.0)  # give a surviving daemon the time to write, if one survived
    return Batch(backend, sandbox, {o.result.student: o for o in outcomes}, before, watched, store_path)


def full_marks_except(result: SubmissionResult, attacked: str | None) -> list[str]:
    return [
        f"{q.name}: {q.status} {q.message}"
        for q in result.questions.values()
        if q.name != attacked and q.score != q.max_score
    ]


def test_every_submission_has_a_result(batch: Batch) -> None:
    assert set(batch.outcomes) == set(ATTACKS) | set(CONTROLS)
    assert all(outcome.result.status == "graded" for outcome in batch.outcomes.values())


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_scores_zero_on_its_question_only(batch: Batch, name: str) -> None:
    result = batch.outcomes[name].result
    attack = ATTACKS[name]
    assert full_marks_except(result, attack.question) == []
    if attack.question is not None:
        question = result.questions[attack.question]
        assert question.score == 0, question
        assert question.status in attack.statuses, question
        assert question.message


@pytest.mark.parametrize("name", sorted(n for n, a in ATTACKS.items() if a.load_issue))
def test_load_time_attacks_are_reported(batch: Batch, name: str) -> None:
    issues = batch.outcomes[name].result.load.issues
    kinds = {issue.kind for issue in issues}
    assert kinds & {"error", "process_exited", "timed_out"}, issues


def test_honest_neighbours_are_graded_as_if_alone(batch: Batch) -> None:
    first, last = (batch.outcomes[name].result for name in CONTROLS)
    assert first.score == first.max_score and last.score == last.max_score
    assert first.questions == last.questions
    assert not first.load.issues and not last.load.issues


def test_the_host_is_untouched(batch: Batch) -> None:
    assert snapshot(batch.watched) == batch.before
    for place in (COURSE, batch.store.parent.parent, Path.cwd()):
        assert not (place / "results.json").exists(), place
    assert not Path("/tmp/daemon.txt").exists()


def test_the_store_holds_each_submission_once(batch: Batch) -> None:
    store = SqliteStore(batch.store)
    try:
        assert store.count("day2") == len(ATTACKS) + len(CONTROLS)
        assert sorted(r.student for r in store.latest("day2")) == sorted(set(ATTACKS) | set(CONTROLS))
    finally:
        store.close()


def docker_containers_of_tpgrade() -> list[str]:
    from tpgrade.sandbox.docker import SANDBOX_LABEL, connect

    found = connect().api.containers(all=True, filters={"label": SANDBOX_LABEL})
    return [str(container["Id"])[:12] for container in found]


def test_nothing_outlives_the_batch(batch: Batch) -> None:
    if batch.backend == "docker":
        assert batch.sandbox.leftovers() == []
        assert docker_containers_of_tpgrade() == []  # the workers' sandboxes too
    else:
        # Asked of the sandbox: the processes of the batch's slots (its workers' too), by uid as root.
        assert isinstance(batch.sandbox, BubblewrapSandbox)
        assert batch.sandbox.runner_processes(SLOTS) == []


def test_a_flood_on_the_channel_leaves_a_bounded_result(batch: Batch) -> None:
    for name in ("channel_flood_at_load", "channel_flood_during_a_call", "channel_many_small_values"):
        result = batch.outcomes[name].result
        assert len(result.model_dump_json()) < 64_000, name
        assert len(result.load.issues) <= MAX_LOAD_ISSUES, name


def test_no_message_from_the_runner_extends_a_budget(batch: Batch) -> None:
    # Forged "cell started" events for 100 s: the judge's clock ends the cell at once.
    result = batch.outcomes["channel_deadline_reset"].result
    assert result.timings.load_s < 60, result.timings
    assert all(o.result.timings.total_s < SUBMISSION_BUDGET for o in batch.outcomes.values())
