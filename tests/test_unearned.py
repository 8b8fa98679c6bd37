"""No points that were not earned: each cheat of issue 11 loses the points it aimed at.

Graded in this process (``grade_source_in_process``: trusted sources only, the
reference with one cheat appended); ``tpgrade validate`` grades the same
mutants in the sandbox.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tpgrade import paths
from tpgrade.judge.local import grade_source_in_process
from tpgrade.models import QuestionResult

# Grades real submissions: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow


def reference(day: str) -> str:
    return paths.reference_file(day).read_text(encoding="utf-8")


def mutant(day: str, name: str) -> str:
    return (paths.mutants_dir(day) / f"{name}.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def day2_graders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Day 2 graders of the questions these tests attack (the others take time for nothing)."""
    folder = tmp_path_factory.mktemp("day2") / "day2"
    folder.mkdir()
    for name in ("test_mlp_backward.py", "test_mlp_forward_cache.py", "test_train_mlp_numpy.py"):
        shutil.copy(paths.graders_dir("day2") / name, folder / name)
    return folder


def graded(graders: Path, source: str, question: str) -> QuestionResult:
    return grade_source_in_process(graders, source)[question]


# --- NumPy only: the object graded, and the rule at run time ----------------------------

TORCH_BACKWARD = """
import torch


def _torch_backward(y, params, cache):
    # Any PyTorch use will do: autograd's gradients are what the cheat would take.
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    sum(t.sum() for t in tensors.values()).backward()
    return {k: t.grad.numpy() for k, t in tensors.items()}
"""


@pytest.mark.parametrize(
    "cheat",
    [
        "mlp_backward = _torch_backward\n",
        "def _make():\n    return _torch_backward\n\n\nmlp_backward = _make()\n",
        "if True:\n    mlp_backward = _torch_backward\n",
        "def mlp_backward(y, params, cache, _impl=_torch_backward):\n    return _impl(y, params, cache)\n",
        "mlp_backward = lambda y, params, cache: _torch_backward(y, params, cache)\n",
        "globals()['mlp_backward'] = _torch_backward\n",
    ],
)
def test_mlp_backward_with_autograd_is_forbidden_however_it_is_bound(cheat: str, day2_graders: Path) -> None:
    source = reference("day2") + TORCH_BACKWARD + "\n\n" + cheat
    result = graded(day2_graders, source, "mlp_backward")
    assert (result.status, result.score) == ("forbidden", 0.0), result.message
    assert "NumPy seulement" in result.message


def test_torch_reached_out_of_the_checker_s_sight_is_caught_at_run_time(day2_graders: Path) -> None:
    # A list filled through an alias: statically, mlp_backward only reads a clean list.
    cheat = (
        "_impls = []\n_alias = _impls\n_alias.append(_torch_backward)\n\n\n"
        "def mlp_backward(y, params, cache):\n    return _impls[0](y, params, cache)\n"
    )
    source = reference("day2") + TORCH_BACKWARD + "\n\n" + cheat
    result = graded(day2_graders, source, "mlp_backward")
    assert (result.status, result.score) == ("forbidden", 0.0)
    assert "PyTorch est interdit" in result.message
    assert all(test.points == 0 for test in result.tests)


# --- Training graded on training ------------------------------------------------------------


@pytest.mark.parametrize("cheat", ["train_mlp_numpy__closed_form", "train_mlp_numpy__cached_ignores_seed"])
def test_training_that_did_not_train_gets_nothing(cheat: str, day2_graders: Path) -> None:
    result = graded(day2_graders, reference("day2") + "\n\n" + mutant("day2", cheat), "train_mlp_numpy")
    assert result.score == 0.0, result.message


def test_a_constant_seed_loses_the_seed_test(day2_graders: Path) -> None:
    source = reference("day2") + "\n\n" + mutant("day2", "train_mlp_numpy__constant_seed")
    result = graded(day2_graders, source, "train_mlp_numpy")
    assert result.score < result.max_score and "graines" in result.message


def test_the_reference_trains_for_full_marks(day2_graders: Path) -> None:
    result = graded(day2_graders, reference("day2"), "train_mlp_numpy")
    assert result.status == "passed", result.message


# --- Probes never ask the student's model about itself --------------------------------------


@pytest.mark.slow
def test_a_cnn_that_lies_about_its_parameters_loses_the_budget(tmp_path: Path) -> None:
    folder = tmp_path / "day4"
    folder.mkdir()
    shutil.copy(paths.graders_dir("day4") / "test_small_cnn.py", folder / "test_small_cnn.py")
    for name in ("SmallCNN__lying_parameters", "SmallCNN__unregistered_weights"):
        result = graded(folder, reference("day4") + "\n\n" + mutant("day4", name), "SmallCNN")
        budget = next(test for test in result.tests if test.name == "test_shapes_and_parameter_count")
        assert budget.points == 0 and "au plus 10000" in budget.message, (name, budget.message)
    result = graded(folder, reference("day4"), "SmallCNN")
    assert result.status == "passed", result.message
