"""Day 1 course material: reference, stub, graders, mutants, other implementations, oracles.

Everything is graded in this process (``grade_source_in_process``): trusted
code only (references, mutants, fixtures). ``tpgrade validate day1`` repeats the
reference / stub / mutant checks in the real sandbox.

Speed: torch runs on one thread, as in the sandbox (on a shared machine many
threads make small networks ten times slower), and after a first grading the
objects alive are frozen for the garbage collector, which pytest runs five
times per grading session (with torch, sklearn and pytest loaded each full
collection costs ~0.2 s otherwise). One full grading of Day 1 then takes
~0.3 s of CPU instead of ~1.3 s.
"""

from __future__ import annotations

import gc
import json
import zlib
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
import torch

from tpgrade import paths
from tpgrade.grader import Fail, load_module
from tpgrade.judge.local import LocalStudent, grade_source_in_process
from tpgrade.judge.sourcecheck import SubmissionSource
from tpgrade.judge.student import Student, StudentFault
from tpgrade.models import QuestionResult

# Grades real submissions: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow

DAY = "day1"
QUESTIONS = (
    "count_mlp_parameters",
    "relu",
    "mlp_forward",
    "TwoLayerMLP",
    "train_classifier",
    "pca_project",
    "Autoencoder",
    "interpolate",
)
FIXTURES = Path(__file__).parent / "fixtures" / DAY
GRADERS = paths.graders_dir(DAY)
MUTANTS = sorted(paths.mutants_dir(DAY).glob("*.py"))
SUBTLY_WRONG = sorted((FIXTURES / "subtly_wrong").glob("*.py"))
ALTERNATIVES = sorted(FIXTURES.glob("alt_correct*.py"))
SEEDS = range(50)


@pytest.fixture(scope="module", autouse=True)
def one_thread_and_frozen_gc() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    grade(reference_source())  # a first grading imports everything grading needs...
    gc.collect()
    gc.freeze()  # ...and the collector then leaves those objects alone
    yield
    gc.unfreeze()
    torch.set_num_threads(threads)


def reference_source() -> str:
    return paths.reference_file(DAY).read_text(encoding="utf-8")


def reference_module() -> Any:
    from tpgrade.grader import reference

    return reference(DAY)


def grade(source: str, seed: int = 0) -> dict[str, QuestionResult]:
    return grade_source_in_process(GRADERS, source, seed=seed)


def lost(results: dict[str, QuestionResult]) -> dict[str, str]:
    return {
        name: f"{q.score:g}/{q.max_score:g} {q.status}: {q.message}"
        for name, q in results.items()
        if q.score < q.max_score
    }


def target(path: Path) -> str:
    return path.stem.split("__")[0]


# --- Reference, stub, other correct implementations ---------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_reference_gets_full_marks(seed: int) -> None:
    results = grade(reference_source(), seed)
    assert set(results) == set(QUESTIONS)
    assert lost(results) == {}
    for name, question in results.items():  # 1 to 3 points per question
        assert 1.0 <= question.max_score <= 3.0, name


def stub_cells() -> list[str]:
    notebook = nbformat.read(paths.stub_notebook(DAY), as_version=4)  # type: ignore[no-untyped-call]
    return [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and "exploration" not in cell.metadata.get("tags", [])
    ]


def test_stub_scores_zero_with_not_implemented() -> None:
    results = grade("\n\n".join(stub_cells()))
    assert set(results) == set(QUESTIONS)
    for name, question in results.items():
        assert question.score == 0, name
        assert question.status == "not_implemented", (name, question.message)


@pytest.mark.parametrize("path", ALTERNATIVES, ids=lambda p: p.stem)
def test_other_correct_implementations_get_full_marks(path: Path) -> None:
    assert lost(grade(path.read_text(encoding="utf-8"), seed=3)) == {}


# --- Known-wrong variants: each loses its own question and no other ---------------


def test_every_question_has_at_least_two_mutants() -> None:
    for name in QUESTIONS:
        assert sum(target(path) == name for path in MUTANTS) >= 2, name


@pytest.mark.slow
@pytest.mark.parametrize("path", MUTANTS + SUBTLY_WRONG, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_wrong_variant_loses_its_question_only(path: Path) -> None:
    assert target(path) in QUESTIONS
    seed = zlib.crc32(path.stem.encode()) % 1000
    source = reference_source() + "\n\n" + path.read_text(encoding="utf-8")
    losses = lost(grade(source, seed))
    assert target(path) in losses, f"{path.stem} survives"
    assert set(losses) == {target(path)}, losses


# --- Stochastic and training graders over 50 seeds -------------------------------------
#
# The graders of the training questions are called directly (no pytest session
# per seed), with the rng a grading session would give them for that seed.


def run_grader(source: str, grader: Callable[..., None], node_id: str, seed: int) -> bool:
    """True when ``grader`` passes on ``source`` with the rng of seed ``seed``."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(source, "<submission>", "exec"), namespace)
    student = Student(LocalStudent(namespace, SubmissionSource((source,))))
    rng = np.random.default_rng([seed, zlib.crc32(node_id.encode())])
    try:
        grader(student, rng)
    except (Fail, StudentFault):
        return False
    return True


STOCHASTIC = [
    # (grader file, test, mutant that it must always catch)
    ("test_train_classifier.py", "test_accuracy_on_held_out_digits", "train_classifier__no_zero_grad"),
    ("test_train_classifier.py", "test_loss_history_falls", "train_classifier__no_step"),
    ("test_Autoencoder.py", "test_learns_a_two_dimensional_surface", "Autoencoder__decode_ignores_latent"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("file", "test", "mutant"), STOCHASTIC, ids=[t for _, t, _ in STOCHASTIC])
def test_stochastic_grader_over_50_seeds(file: str, test: str, mutant: str) -> None:
    module = load_module(GRADERS / file, f"tpgrade_day1_grader_{test}")
    grader = getattr(module, test)
    node_id = f"{file}::{test}"
    reference = reference_source()
    wrong = reference + "\n\n" + (paths.mutants_dir(DAY) / f"{mutant}.py").read_text(encoding="utf-8")
    reference_failures = [seed for seed in SEEDS if not run_grader(reference, grader, node_id, seed)]
    mutant_passes = [seed for seed in SEEDS if run_grader(wrong, grader, node_id, seed)]
    assert reference_failures == []
    assert mutant_passes == []


# --- Independent oracles -----------------------------------------------------------------


def test_count_matches_torch_parameter_count() -> None:
    ref = reference_module()
    rng = np.random.default_rng(0)
    for depth in (2, 3, 5):
        sizes = [int(v) for v in rng.integers(1, 300, size=depth)]
        layers = [torch.nn.Linear(a, b) for a, b in pairwise(sizes)]
        assert ref.count_mlp_parameters(sizes) == sum(
            p.numel() for p in torch.nn.Sequential(*layers).parameters()
        )
    assert ref.count_mlp_parameters([784, 256, 10]) == 203530


def test_relu_and_mlp_forward_match_torch() -> None:
    ref = reference_module()
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4, 5))
    np.testing.assert_array_equal(ref.relu(z), torch.relu(torch.from_numpy(z)).numpy())
    X, W1, b1 = rng.normal(size=(6, 5)), rng.normal(size=(7, 5)), rng.normal(size=7)
    W2, b2 = rng.normal(size=(3, 7)), rng.normal(size=3)
    F = torch.nn.functional
    t = torch.from_numpy
    expected = F.linear(F.relu(F.linear(t(X), t(W1), t(b1))), t(W2), t(b2)).numpy()
    np.testing.assert_allclose(ref.mlp_forward(X, W1, b1, W2, b2), expected, rtol=1e-12, atol=1e-12)


def test_reference_module_matches_mlp_forward_and_sequential() -> None:
    ref = reference_module()
    torch.manual_seed(0)
    model = ref.TwoLayerMLP(10, 16, 4).double()
    sequential = torch.nn.Sequential(model.fc1, torch.nn.ReLU(), model.fc2)
    x = torch.randn(5, 10, dtype=torch.float64)
    weights = [
        p.detach().numpy() for p in (model.fc1.weight, model.fc1.bias, model.fc2.weight, model.fc2.bias)
    ]
    with torch.no_grad():
        np.testing.assert_allclose(model(x).numpy(), sequential(x).numpy(), rtol=0, atol=0)
        np.testing.assert_allclose(
            model(x).numpy(), ref.mlp_forward(x.numpy(), *weights), rtol=1e-12, atol=1e-12
        )


def test_pca_project_matches_scikit_learn() -> None:
    # Same convention (centring, no whitening); scikit-learn fixes each
    # component's sign (svd_flip) while the contract leaves it free, so the
    # columns are compared up to sign.
    from sklearn.decomposition import PCA

    ref = reference_module()
    rng = np.random.default_rng(2)
    H = rng.normal(size=(60, 8)) * np.array([9.0, 5.0, 3.0, 2.0, 1.0, 0.5, 0.3, 0.1]) + 4.0
    for k in (1, 2, 3):
        ours = ref.pca_project(H, k)
        theirs = PCA(n_components=k, svd_solver="full").fit_transform(H)
        signs = np.sign(np.sum(ours * theirs, axis=0))
        np.testing.assert_allclose(ours * signs, theirs, rtol=1e-9, atol=1e-9)


def test_interpolate_matches_lerp_and_linspace() -> None:
    ref = reference_module()
    rng = np.random.default_rng(3)
    z0, z1 = rng.normal(size=4), rng.normal(size=4)
    np.testing.assert_allclose(ref.interpolate(z0, z1, 7), np.linspace(z0, z1, 7), rtol=1e-14, atol=1e-15)
    t0, t1 = torch.from_numpy(z0).float(), torch.from_numpy(z1).float()
    path = ref.interpolate(t0, t1, 5)
    assert isinstance(path, torch.Tensor) and path.dtype == torch.float32
    lerp = torch.stack([torch.lerp(t0, t1, i / 4) for i in range(5)])
    torch.testing.assert_close(path, lerp, rtol=1e-6, atol=1e-6)


def test_reference_classifier_reaches_the_graders_accuracy_on_digits() -> None:
    # The grader's threshold (0.88) against what the reference reaches on a fixed split.
    from sklearn.datasets import load_digits

    ref = reference_module()
    data = load_digits()
    X = torch.tensor(data.data / 16.0, dtype=torch.float32)
    y = torch.tensor(data.target)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    model, history = ref.train_classifier(X[order[:1200]], y[order[:1200]], 64, 15, 0.1, 32, seed=0)
    with torch.no_grad():
        accuracy = (model(X[order[1200:]]).argmax(1) == y[order[1200:]]).float().mean().item()
    assert accuracy > 0.92
    assert len(history) == 15 and history[-1] < 0.3 * history[0]


# --- Notebook and public tests ---------------------------------------------------------------


def test_stub_notebook_structure() -> None:
    notebook = nbformat.read(paths.stub_notebook(DAY), as_version=4)  # type: ignore[no-untyped-call]
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    graded = [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and "exploration" not in cell.metadata.get("tags", [])
    ]
    for name in QUESTIONS:
        keyword = "class" if name[0].isupper() else "def"
        cells = [source for source in graded if f"{keyword} {name}(" in source]
        assert len(cells) == 1, name
        assert 'raise NotImplementedError("À compléter")' in cells[0]
    text = json.dumps(notebook)
    assert "tpgrade check day1 tp_day1.ipynb" in text
    last = notebook.cells[-1]
    assert "exploration" in last.metadata.get("tags", []) and 'check("day1")' in last.source
    assert "ImportError" in last.source


@pytest.mark.parametrize("path", [paths.reference_file(DAY), *ALTERNATIVES], ids=lambda p: p.stem)
def test_public_tests_pass_on_correct_code(path: Path) -> None:
    results = grade_source_in_process(paths.public_tests_dir(DAY), path.read_text(encoding="utf-8"))
    assert set(results) == set(QUESTIONS)
    assert lost(results) == {}


def test_public_tests_on_the_stub() -> None:
    results = grade_source_in_process(paths.public_tests_dir(DAY), "\n\n".join(stub_cells()))
    assert {q.status for q in results.values()} == {"not_implemented"}
