"""Day 5 material: reference, stub, mutants, known-wrong and alternative solutions, oracles.

Grading goes through ``grade_source_in_process`` (the judge's pytest run on a
namespace in this process) for the reference, the stub and the alternative
solutions. The many variants (mutants, subtly wrong fixtures, 50 seeds per
grader) go through ``question_scores``, which calls the same grader functions
with the same ``Student`` over the same ``LocalStudent``, without a pytest
session per run (about 1.5 s each, mostly pytest's set-up): a test below
checks that both give the same scores.

Independent oracles: torchmetrics' ``MulticlassCalibrationError`` (ECE),
scikit-learn's ``roc_auc_score`` (AUROC) and ``KFold`` (fold sizes),
``scipy.optimize.minimize_scalar`` and ``torch.nn.functional.cross_entropy``
(temperature scaling), ``torch.softmax`` (maximum softmax probability).
"""

from __future__ import annotations

import ast
import functools
import inspect
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

from tpgrade import paths
from tpgrade.grader import Fail, load_module
from tpgrade.judge.local import LocalStudent, grade_source_in_process
from tpgrade.judge.sourcecheck import SubmissionSource
from tpgrade.judge.student import Student, StudentFault

# Grades real submissions: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow

DAY = "day5"
QUESTIONS = (
    "bias_variance",
    "reliability_bins",
    "expected_calibration_error",
    "fit_temperature",
    "max_softmax_score",
    "auroc",
    "kfold_indices",
)
GRADERS = paths.graders_dir(DAY)
FIXTURES = Path(__file__).parent / "fixtures" / DAY
REFERENCE_SOURCE = paths.reference_file(DAY).read_text(encoding="utf-8")
MUTANTS = sorted(paths.mutants_dir(DAY).glob("*.py"))
SUBTLY_WRONG = sorted((FIXTURES / "subtly_wrong").glob("*.py"))
ALTERNATIVES = sorted(FIXTURES.glob("alt_correct*.py"))

ref = load_module(paths.reference_file(DAY), "tpgrade_day5_content_reference")


# --- A grading run without a pytest session per run -------------------------------


GraderTest = tuple[str, float, str, Callable[..., None]]


def _collect() -> list[GraderTest]:
    tests = []
    for path in sorted(GRADERS.glob("test_*.py")):
        module = load_module(path, f"tpgrade_day5_content_{path.stem}")
        for name, function in vars(module).items():
            marks = [mark for mark in getattr(function, "pytestmark", []) if mark.name == "question"]
            if name.startswith("test_") and marks:
                points = float(marks[0].kwargs.get("points", 1.0))
                tests.append((marks[0].args[0], points, f"{path.name}::{name}", function))
    return tests


GRADER_TESTS = _collect()


@functools.lru_cache(maxsize=8)
def student_for(source: str) -> Student:
    """The submission executed once; its functions are then called for every seed."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(source, "<submission>", "exec"), namespace)
    return Student(LocalStudent(namespace, SubmissionSource((source,))))


def question_scores(
    source: str, seed: int, questions: tuple[str, ...] = QUESTIONS, only: str | None = None
) -> dict[str, float]:
    """Points per question, as the judge sums them: a test scores its points unless it fails.

    Failures must come from the student's side (``Fail``, a fault of their
    code): an error in the grader itself propagates and fails the test.
    ``only`` keeps the tests whose name contains it (a cheap configuration).
    """
    student = student_for(source)
    scores = dict.fromkeys(questions, 0.0)
    for question, points, nodeid, function in GRADER_TESTS:
        if question not in questions or (only is not None and only not in nodeid):
            continue
        rng = np.random.default_rng([seed, zlib.crc32(nodeid.encode())])
        try:
            function(student, rng)
        except (Fail, StudentFault):
            continue
        scores[question] += points
    return scores


MAX_SCORES = {q: sum(points for name, points, _, _ in GRADER_TESTS if name == q) for q in QUESTIONS}


def with_reference(path: Path) -> str:
    return REFERENCE_SOURCE + "\n\n" + path.read_text(encoding="utf-8")


def target(path: Path) -> str:
    return path.stem.split("__")[0]


# --- Reference, stub, public tests -----------------------------------------------------


def test_reference_gets_full_marks() -> None:
    results = grade_source_in_process(GRADERS, REFERENCE_SOURCE, seed=0)
    assert set(results) == set(QUESTIONS)
    for name, result in results.items():
        assert result.score == result.max_score, (name, result.message)
        assert 1.0 <= result.max_score <= 3.0, name
        assert len(result.tests) >= 3, name


def test_in_process_scores_match_the_judge() -> None:
    for source in (REFERENCE_SOURCE, with_reference(MUTANTS[0])):
        results = grade_source_in_process(GRADERS, source, seed=3)
        assert question_scores(source, seed=3) == {name: r.score for name, r in results.items()}


# The contract's signatures: parameter names and defaults.
SIGNATURES: dict[str, list[tuple[str, Any]]] = {
    "bias_variance": [("predictions", None), ("f_true", None)],
    "reliability_bins": [("confidences", None), ("correct", None), ("n_bins", 15)],
    "expected_calibration_error": [("probs", None), ("labels", None), ("n_bins", 15)],
    "fit_temperature": [("logits", None), ("labels", None)],
    "max_softmax_score": [("logits", None)],
    "auroc": [("scores_in", None), ("scores_out", None)],
    "kfold_indices": [("n", None), ("k", None), ("seed", None)],
}


def notebook() -> Any:
    return nbformat.read(paths.stub_notebook(DAY), as_version=4)  # type: ignore[no-untyped-call]


def is_exploration(cell: Any) -> bool:
    return "exploration" in cell.metadata.get("tags", [])


def stub_cells() -> tuple[list[str], list[str]]:
    """The code cells of the stub notebook: graded ones, exploration ones."""
    graded: list[str] = []
    exploration: list[str] = []
    for cell in notebook().cells:
        if cell.cell_type == "code":
            (exploration if is_exploration(cell) else graded).append(cell.source)
    return graded, exploration


def test_notebook_format() -> None:
    nb = notebook()
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.metadata["kernelspec"]["name"] == "python3"
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert "tpgrade check day5 tp_day5.ipynb" in text
    assert 'from tpgrade.notebook import check; check("day5")' in text
    last = nb.cells[-1]
    assert last.cell_type == "code" and is_exploration(last)
    assert 'check("day5")' in last.source and "except ImportError" in last.source


def test_notebook_graded_cells() -> None:
    """Each graded function alone in its cell, exact signature, stub body, instructions above."""
    nb = notebook()
    seen = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_exploration(cell):
            continue
        body = ast.parse(cell.source).body
        if all(isinstance(node, ast.Import | ast.ImportFrom) for node in body):
            continue  # the set-up cell
        assert len(body) == 1 and isinstance(body[0], ast.FunctionDef), cell.source[:80]
        name = body[0].name
        assert name in QUESTIONS and name not in seen, name
        seen.append(name)
        above = nb.cells[index - 1]
        assert above.cell_type == "markdown" and f"`{name}(" in above.source, name
        namespace: dict[str, Any] = {}
        exec(cell.source, namespace)
        parameters = inspect.signature(namespace[name]).parameters.values()
        assert [(p.name, None if p.default is p.empty else p.default) for p in parameters] == SIGNATURES[name]
        assert ast.unparse(body[0].body[-1]) == "raise NotImplementedError('À compléter')"
        assert len(body[0].body) <= 2  # a docstring at most before it
    assert sorted(seen) == sorted(QUESTIONS)


def test_exploration_cells_guard_student_functions() -> None:
    """An exploration cell that calls a graded function catches NotImplementedError."""
    _, exploration = stub_cells()
    assert exploration
    for source in exploration:
        calls = {
            node.func.id
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        if calls & set(QUESTIONS):
            assert "except NotImplementedError" in source, source[:80]


def test_reference_signatures_match_the_contract() -> None:
    for name, expected in SIGNATURES.items():
        parameters = inspect.signature(getattr(ref, name)).parameters.values()
        assert [(p.name, None if p.default is p.empty else p.default) for p in parameters] == expected


@pytest.mark.slow
def test_notebook_with_reference_runs_clean(tmp_path: Path) -> None:
    """The exploration cells work with real implementations (the stub run is ``tpgrade validate``'s)."""
    from nbclient import NotebookClient

    nb = notebook()
    for cell in nb.cells:
        if cell.cell_type == "code" and 'NotImplementedError("À compléter")' in cell.source:
            cell.source = REFERENCE_SOURCE
    # check() grades the saved file, as grading does: save what the kernel runs.
    nbformat.write(nb, tmp_path / "tp_day5.ipynb")  # type: ignore[no-untyped-call]
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    text = "\n".join(
        out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    )
    assert "pas encore écrite" not in text
    assert "Tous les tests publics passent." in text


def test_stub_scores_zero_not_implemented() -> None:
    graded, _ = stub_cells()
    results = grade_source_in_process(GRADERS, "\n\n".join(graded), seed=0)
    assert set(results) == set(QUESTIONS)
    for name, result in results.items():
        assert result.score == 0.0, name
        assert result.status == "not_implemented", (name, result.status)


def test_public_tests_pass_on_the_reference_and_not_on_the_stub() -> None:
    public = paths.public_tests_dir(DAY)
    results = grade_source_in_process(public, REFERENCE_SOURCE, seed=0)
    assert set(results) == set(QUESTIONS)
    assert all(result.score == result.max_score for result in results.values())
    graded, _ = stub_cells()
    results = grade_source_in_process(public, "\n\n".join(graded), seed=0)
    assert all(result.status == "not_implemented" for result in results.values())


def test_graders_use_no_bare_assert_and_public_tests_no_reference() -> None:
    public = sorted(paths.public_tests_dir(DAY).glob("test_*.py"))
    for path in [*GRADERS.glob("test_*.py"), *public]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not any(isinstance(node, ast.Assert) for node in ast.walk(tree)), path.name
    for path in public:
        assert "reference" not in path.read_text(encoding="utf-8"), path.name


# --- Mutants, subtly wrong variants, alternative solutions ----------------------------


def test_every_question_has_mutants() -> None:
    for name in QUESTIONS:
        assert sum(target(path) == name for path in MUTANTS) >= 2, name
    assert {target(path) for path in MUTANTS} <= set(QUESTIONS)


@pytest.mark.parametrize("path", MUTANTS + SUBTLY_WRONG, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_variant_file_shape(path: Path) -> None:
    """A one-line comment naming the bug, then only the redefinition of the target function."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ") and text.count("\n# ") == 0
    body = ast.parse(text).body
    assert [type(node) for node in body] == [ast.FunctionDef]
    assert isinstance(body[0], ast.FunctionDef) and body[0].name == target(path)


@pytest.mark.slow
@pytest.mark.parametrize("path", MUTANTS + SUBTLY_WRONG, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_variant_loses_its_question_only(path: Path) -> None:
    name = target(path)
    assert name in QUESTIONS
    for seed in (0, 1):
        scores = question_scores(with_reference(path), seed)
        assert scores[name] < MAX_SCORES[name], f"{path.stem} not caught (seed {seed})"
        others = {q: s for q, s in scores.items() if q != name and s < MAX_SCORES[q]}
        assert not others, f"{path.stem} also loses {others}"


@pytest.mark.parametrize("path", ALTERNATIVES, ids=lambda path: path.stem)
def test_alternative_solution_gets_full_marks(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    results = grade_source_in_process(GRADERS, source, seed=0)
    assert {name: r.score for name, r in results.items()} == MAX_SCORES, [
        (r.name, r.message) for r in results.values() if r.score < r.max_score
    ]
    for seed in range(1, 3):
        assert question_scores(source, seed) == MAX_SCORES, seed


# --- Not flaky: 50 seeds --------------------------------------------------------------
#
# Every grader draws its inputs at random (and fit_temperature's problems are
# rescaled from a random draw), so each question is graded on 50 seeds: the
# reference never loses a point, and the known-wrong variants never get full
# marks. fit_temperature costs ~0.1 s per seed on the reference (four problems
# with up to 400 x 10 logits, each solved three times); its variants are run
# on its cheapest test only (12 examples, 2 classes), where they are the
# closest to passing (smallest gap 2.7e-4 against the tolerance of 1e-4).

SEEDS = range(50)


def test_reference_passes_every_grader_on_50_seeds() -> None:
    for seed in SEEDS:
        assert question_scores(REFERENCE_SOURCE, seed) == MAX_SCORES, seed


@pytest.mark.slow
@pytest.mark.parametrize("name", QUESTIONS)
def test_variants_fail_on_50_seeds(name: str) -> None:
    variants = [path for path in MUTANTS + SUBTLY_WRONG if target(path) == name]
    only = "test_two_classes_few_examples" if name == "fit_temperature" else None
    maximum = MAX_SCORES[name] if only is None else 0.5
    for path in variants:
        source = with_reference(path)
        passes = [seed for seed in SEEDS if question_scores(source, seed, (name,), only)[name] >= maximum]
        assert not passes, f"{path.stem} gets full marks on seeds {passes}"


# --- Independent oracles -------------------------------------------------------------------


def softmax(Z: np.ndarray) -> np.ndarray:
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P: np.ndarray = E / E.sum(axis=1, keepdims=True)
    return P


def probabilities_off_edges(rng: np.random.Generator, n: int, k: int, n_bins: int) -> np.ndarray:
    """Random probabilities whose maxima are away from every bin edge (1 included)."""
    while True:
        probs = softmax(3.0 * rng.normal(size=(n, k)))
        scaled = probs.max(axis=1) * n_bins
        if np.all(np.abs(scaled - np.round(scaled)) > 1e-6):
            return probs


def test_ece_matches_torchmetrics_away_from_bin_edges() -> None:
    torch = pytest.importorskip("torch")
    from torchmetrics.classification import MulticlassCalibrationError

    rng = np.random.default_rng(0)
    for n, k, n_bins in ((500, 10, 15), (200, 3, 10), (50, 2, 7)):
        probs = probabilities_off_edges(rng, n, k, n_bins)
        labels = rng.integers(0, k, size=n)
        metric = MulticlassCalibrationError(num_classes=k, n_bins=n_bins, norm="l1")
        expected = float(metric(torch.from_numpy(probs), torch.from_numpy(labels)))
        # torchmetrics computes in float32 (even from float64 inputs): 15 bins of
        # float32 means of numbers in [0, 1] agree with float64 to ~1e-7.
        assert ref.expected_calibration_error(probs, labels, n_bins) == pytest.approx(expected, abs=1e-6)


def test_ece_differs_from_torchmetrics_on_bin_edges_by_convention() -> None:
    # torchmetrics bins with torch.bucketize(c, linspace(0, 1, n + 1), right=True) - 1:
    # bins closed on the LEFT, [i/n, (i+1)/n), and a confidence of exactly 1 gets an
    # extra bin of its own. The contract (like Guo et al.'s code) closes them on the
    # right, (i/n, (i+1)/n], the first also holding 0. On these rows the two differ.
    torch = pytest.importorskip("torch")
    from torchmetrics.classification import MulticlassCalibrationError

    probs = np.array(
        [[0.5, 0.3, 0.2], [0.55, 0.45, 0.0], [0.55, 0.4, 0.05], [1.0, 0.0, 0.0], [0.95, 0.05, 0.0]]
    )
    labels = np.array([1, 0, 0, 0, 1])
    # Contract, 10 bins: (0.4, 0.5] holds 0.5 (wrong: acc 0, conf 0.5), (0.5, 0.6] the two
    # 0.55 (right), (0.9, 1] holds 1.0 (right) and 0.95 (wrong):
    # ECE = (1 * 0.5 + 2 * 0.45 + 2 * |0.5 - 0.975|) / 5 = 0.47.
    assert ref.expected_calibration_error(probs, labels, 10) == pytest.approx(0.47, abs=1e-12)
    metric = MulticlassCalibrationError(num_classes=3, n_bins=10, norm="l1")
    theirs = float(metric(torch.from_numpy(probs), torch.from_numpy(labels)))
    # torchmetrics: [0.5, 0.6) holds 0.5 and the two 0.55 (acc 2/3, conf 0.5333),
    # [0.9, 1.0) holds 0.95 alone (gap 0.95), 1.0 is alone in its extra bin (gap 0):
    # ECE = (3 * |2/3 - 1.6/3| + 0.95) / 5 = 0.27.
    assert theirs == pytest.approx(0.27, abs=1e-6)


def test_reliability_bins_agree_with_a_direct_count() -> None:
    rng = np.random.default_rng(1)
    confidences = np.concatenate([rng.uniform(size=200), [0.0, 0.25, 0.5, 0.75, 1.0]])
    correct = rng.uniform(size=confidences.size) < 0.7
    mean_conf, accuracy, count = ref.reliability_bins(confidences, correct, 4)
    edges = [0.0, 0.25, 0.5, 0.75, 1.0]
    for i in range(4):
        members = (confidences > edges[i]) & (confidences <= edges[i + 1])
        if i == 0:
            members |= confidences == 0.0
        assert count[i] == members.sum()
        assert mean_conf[i] == pytest.approx(confidences[members].mean(), abs=1e-14)
        assert accuracy[i] == pytest.approx(correct[members].mean(), abs=1e-14)


def test_auroc_matches_scikit_learn() -> None:
    # roc_auc_score integrates the ROC curve by trapezoids over distinct thresholds:
    # tied scores make a diagonal step, i.e. each tied pair counts one half, as in
    # the contract. In-distribution examples are its positive class (label 1).
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(2)
    cases = [
        (rng.normal(1.0, size=80), rng.normal(size=60)),
        (rng.integers(0, 5, size=40).astype(float), rng.integers(0, 4, size=70).astype(float)),
        (np.round(rng.uniform(size=30), 1), np.round(rng.uniform(size=3), 1)),
        (np.array([0.3]), np.array([0.3, 0.1])),
    ]
    for scores_in, scores_out in cases:
        y = np.concatenate([np.ones(scores_in.size), np.zeros(scores_out.size)])
        expected = roc_auc_score(y, np.concatenate([scores_in, scores_out]))
        assert ref.auroc(scores_in, scores_out) == pytest.approx(expected, abs=1e-12)


def test_fit_temperature_matches_a_bounded_scalar_search() -> None:
    torch = pytest.importorskip("torch")
    from scipy.optimize import minimize_scalar

    rng = np.random.default_rng(3)
    for n, k, scale in ((300, 10, 4.0), (100, 3, 0.3), (20, 2, 2.0)):
        labels = rng.integers(0, k, size=n)
        logits = rng.normal(size=(n, k))
        logits[np.arange(n), labels] += 1.2
        logits *= scale
        temperature = ref.fit_temperature(logits, labels)
        nll = ref.temperature_nll(logits, labels, temperature)
        # The NLL of the reference agrees with torch's cross-entropy.
        torch_nll = torch.nn.functional.cross_entropy(
            torch.from_numpy(logits / temperature), torch.from_numpy(labels)
        )
        assert nll == pytest.approx(float(torch_nll), abs=1e-12)
        found = minimize_scalar(
            lambda log_t, lg=logits, lb=labels: ref.temperature_nll(lg, lb, float(np.exp(log_t))),
            bounds=(-6.0, 6.0),
            method="bounded",
            options={"xatol": 1e-10},
        )
        assert nll <= found.fun + 1e-12
        assert temperature == pytest.approx(float(np.exp(found.x)), rel=1e-4)


def test_max_softmax_score_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    logits = np.concatenate([rng.normal(scale=3.0, size=(20, 7)), 1e4 + rng.normal(size=(3, 7))])
    expected = torch.softmax(torch.from_numpy(logits), dim=1).max(dim=1).values.numpy()
    np.testing.assert_allclose(ref.max_softmax_score(logits), expected, rtol=1e-12, atol=0)


def test_kfold_sizes_match_scikit_learn() -> None:
    # scikit-learn's KFold also gives the n % k extra indices to the first folds.
    from sklearn.model_selection import KFold

    for n, k in ((10, 4), (23, 5), (7, 7), (100, 3)):
        ours = [len(val) for _, val in ref.kfold_indices(n, k, seed=0)]
        theirs = [len(val) for _, val in KFold(n_splits=k).split(np.zeros(n))]
        assert ours == theirs


def test_bias_variance_decomposes_the_mean_squared_error() -> None:
    # mean over runs and points of (prediction - f)^2 = bias2 + variance, exactly
    # when the variance divides by R (the identity that fixes the convention).
    rng = np.random.default_rng(5)
    predictions, f_true = rng.normal(size=(9, 13)), rng.normal(size=13)
    bias2, variance = ref.bias_variance(predictions, f_true)
    assert bias2 + variance == pytest.approx(np.mean((predictions - f_true) ** 2), rel=1e-13)
    assert variance == pytest.approx(np.mean(np.var(predictions, axis=0)), rel=1e-13)
