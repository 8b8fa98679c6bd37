"""Day 4 material: the reference, the graders, their mutants, the stub and the public tests.

Everything is graded in this process through ``grade_source_in_process`` (trusted
code only: references, mutants and fixtures). Two graders train a network
(``GNN`` and ``SmallCNN``). A variant of another question is graded without
them, which would only add seconds of training: they use the reference's own
copies of the functions they build on (bound at definition time, so a
redefinition cannot reach them at run time), and what a variant could still
change for them, the source rule checked before their first call, is checked
here directly. ``tpgrade validate day4`` grades every mutant with every grader.
"""

from __future__ import annotations

import ast
import gc
import json
import shutil
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tpgrade import paths
from tpgrade.grader import Fail, load_module
from tpgrade.judge.local import LocalStudent, grade_source_in_process
from tpgrade.judge.sourcecheck import SubmissionSource
from tpgrade.judge.student import Student
from tpgrade.models import QuestionResult

# Grades real submissions and trains models: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow

DAY = "day4"
POINTS = {
    "conv2d_valid": 2.0,
    "translate": 2.0,
    "count_conv_parameters": 1.0,
    "message_passing": 3.0,
    "self_attention": 3.0,
    "GNN": 3.0,
    "SmallCNN": 3.0,
}
TRAINING_GRADERS = {"GNN": "test_gnn.py", "SmallCNN": "test_small_cnn.py"}
FIXTURES = Path(__file__).parent / "fixtures" / DAY
MUTANTS = sorted(paths.mutants_dir(DAY).glob("*.py"))
SUBTLY_WRONG = sorted((FIXTURES / "subtly_wrong").glob("*.py"))
# Variants that break a source rule: refused before any call, with that status.
FORBIDDEN_VARIANTS = {
    "conv2d_valid__uses_torch",
    "message_passing__ready_made_layer",
    "self_attention__ready_made_attention",
}


@pytest.fixture(scope="module", autouse=True)
def one_thread_and_frozen_heap() -> Iterator[None]:
    """One torch thread, as in the sandbox (and no oversubscription on a shared machine).

    Each in-process grading runs pytest, which calls ``gc.collect()`` several
    times on exit; freezing the objects already alive (torch, numpy) keeps
    those collections short.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    gc.freeze()
    yield
    gc.unfreeze()
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def reference_source() -> str:
    return paths.reference_file(DAY).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def grader_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str | None, Path]:
    """Grader folders: without the training graders (key None), and with one of them (its question)."""
    root = tmp_path_factory.mktemp("graders_day4")
    fast = [p for p in paths.graders_dir(DAY).glob("test_*.py") if p.name not in TRAINING_GRADERS.values()]
    folders: dict[str | None, Path] = {}
    for key in (None, *TRAINING_GRADERS):
        folder = root / (key or "fast")
        folder.mkdir()
        for path in fast + ([paths.graders_dir(DAY) / TRAINING_GRADERS[key]] if key else []):
            shutil.copy(path, folder)
        folders[key] = folder
    return folders


def grade(source: str, tests_dir: Path | None = None, seed: int = 0) -> dict[str, QuestionResult]:
    gc.freeze()  # what the previous gradings left alive: out of the collections of this one
    return grade_source_in_process(tests_dir or paths.graders_dir(DAY), source, seed=seed)


def grader_module(name: str) -> ModuleType:
    return load_module(paths.graders_dir(DAY) / name, f"tpgrade_day4_{Path(name).stem}")


def short(results: dict[str, QuestionResult]) -> list[str]:
    return [
        f"{q.name} {q.score:g}/{q.max_score:g} {q.status}: {q.message}"
        for q in results.values()
        if q.score < q.max_score
    ]


def stub_source() -> str:
    """The code cells of the stub notebook that grading runs (exploration cells left out)."""
    notebook = json.loads(paths.stub_notebook(DAY).read_text(encoding="utf-8"))
    return "\n\n".join(
        "".join(cell["source"])
        for cell in notebook["cells"]
        if cell["cell_type"] == "code" and "exploration" not in cell["metadata"].get("tags", [])
    )


# --- Reference and stub ----------------------------------------------------------


def test_reference_gets_full_marks(reference_source: str) -> None:
    results = grade(reference_source)
    assert short(results) == []
    assert {name: q.max_score for name, q in results.items()} == POINTS


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reference_full_marks_on_other_seeds(
    reference_source: str, grader_dirs: dict[str | None, Path], seed: int
) -> None:
    # The training graders get 50 seeds below; the others are exact comparisons on random inputs.
    assert short(grade(reference_source, grader_dirs[None], seed=seed)) == []


def test_stub_gets_zero_and_not_implemented() -> None:
    results = grade(stub_source())
    assert set(results) == set(POINTS)
    for question in results.values():
        assert question.score == 0, question
        assert question.status == "not_implemented", question


def test_stub_notebook_layout() -> None:
    notebook = json.loads(paths.stub_notebook(DAY).read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4 and notebook["metadata"]["kernelspec"]["name"] == "python3"
    graded: dict[str, int] = {}
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        text = "".join(cell["source"])
        if "exploration" in cell["metadata"].get("tags", []):
            # Exploration cells run clean on the stub: they catch NotImplementedError, or only check.
            assert "except NotImplementedError" in text or "tpgrade.notebook" in text or "def " in text, text
            continue
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in POINTS:
                graded[node.name] = index
                assert 'raise NotImplementedError("À compléter")' in text
    assert set(graded) == set(POINTS)
    assert len(set(graded.values())) == len(graded), "each graded name in its own cell"
    assert "tpgrade check day4 tp_day4.ipynb" in json.dumps(notebook, ensure_ascii=False)


def test_public_tests_pass_on_reference_and_not_on_stub(reference_source: str) -> None:
    public = paths.public_tests_dir(DAY)
    results = grade(reference_source, public)
    assert set(results) == set(POINTS)
    assert all(q.status == "passed" for q in results.values()), short(results)
    assert all(q.status == "not_implemented" for q in grade(stub_source(), public).values())


# --- Mutants and subtly wrong variants ---------------------------------------------


def test_every_question_has_at_least_two_mutants() -> None:
    targets = [path.stem.split("__")[0] for path in MUTANTS]
    assert all(targets.count(name) >= 2 for name in POINTS), targets
    assert set(targets) <= set(POINTS)
    for path in MUTANTS + SUBTLY_WRONG:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# "), f"{path.name}: one comment line naming the bug first"
        body = ast.parse(text).body
        named = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        names = [node.name if isinstance(node, named) else None for node in body]
        assert names == [path.stem.split("__")[0]], path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", MUTANTS + SUBTLY_WRONG, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_variant_loses_its_question_only(
    path: Path, reference_source: str, grader_dirs: dict[str | None, Path]
) -> None:
    target = path.stem.split("__")[0]
    source = reference_source + "\n\n" + path.read_text(encoding="utf-8")
    results = grade(source, grader_dirs[target if target in TRAINING_GRADERS else None])
    lost = {name: q for name, q in results.items() if q.score < q.max_score}
    assert set(lost) == {target}, short(results)
    for question, grader in TRAINING_GRADERS.items():
        if question != target:
            forbidden = getattr(grader_module(grader), "FORBIDDEN", ())
            assert SubmissionSource((source,)).forbidden_name_violations(question, forbidden) == []
    if path.stem in FORBIDDEN_VARIANTS:
        assert lost[target].status == "forbidden" and lost[target].score == 0


@pytest.mark.parametrize("name", ["alt_correct.py", "alt_correct_2.py"])
def test_alternative_implementations_get_full_marks(name: str) -> None:
    assert short(grade((FIXTURES / name).read_text(encoding="utf-8"))) == []


# --- The training graders over 50 seeds ----------------------------------------------


def student_for(source: str) -> Student:
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(source, "<submission>", "exec"), namespace)
    return Student(LocalStudent(namespace, SubmissionSource((source,))))


def training_outcomes(grader: str, test: str, source: str, seeds: range) -> list[bool]:
    """Pass (True) or fail (False) of one grader test, called directly, for each seed."""
    module = grader_module(grader)
    student = student_for(source)
    outcomes = []
    for seed in seeds:
        rng = np.random.default_rng([seed, zlib.crc32(test.encode())])
        try:
            getattr(module, test)(student, rng)
        except Fail:
            outcomes.append(False)
        else:
            outcomes.append(True)
    return outcomes


TRAINING_CASES = [
    ("test_gnn.py", "test_training_uses_the_graph", "GNN__ignores_graph.py"),
    ("test_small_cnn.py", "test_training_and_translation_robustness", "SmallCNN__mlp_in_disguise.py"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("grader", "test", "mutant"), TRAINING_CASES, ids=["GNN", "SmallCNN"])
def test_training_grader_never_fails_the_reference_nor_passes_the_mutant(
    grader: str, test: str, mutant: str, reference_source: str
) -> None:
    # 50 seeds each: new data split, graph or shifts, and new initial weights every time.
    assert all(training_outcomes(grader, test, reference_source, range(50)))
    wrong = reference_source + "\n\n" + (paths.mutants_dir(DAY) / mutant).read_text(encoding="utf-8")
    assert not any(training_outcomes(grader, test, wrong, range(50)))


# --- Independent oracles ---------------------------------------------------------------


@pytest.fixture(scope="module")
def ref() -> ModuleType:
    return load_module(paths.reference_file(DAY), "tpgrade_reference_day4_oracles")


def test_conv2d_valid_matches_torch_conv2d(ref: ModuleType) -> None:
    rng = np.random.default_rng(0)
    for shape, kernel in (((7, 9), (3, 2)), ((5, 5), (5, 5)), ((6, 4), (1, 1)), ((10, 12), (4, 3))):
        x, k = rng.normal(size=shape), rng.normal(size=kernel)
        # torch.nn.functional.conv2d is a cross-correlation (no flip), like the contract.
        expected = F.conv2d(torch.tensor(x)[None, None], torch.tensor(k)[None, None])[0, 0].numpy()
        np.testing.assert_allclose(ref.conv2d_valid(x, k), expected, rtol=1e-12, atol=1e-12)


def test_translate_matches_scipy_shift(ref: ModuleType) -> None:
    from scipy.ndimage import shift

    rng = np.random.default_rng(1)
    images = rng.uniform(0.1, 1.0, size=(3, 6, 7))
    for dx, dy in ((2, 1), (-1, 3), (0, -2), (3, 0), (7, 0), (0, -6)):
        # scipy.ndimage.shift moves the content by +shift along each axis (rows, then
        # columns) and fills with cval; order=0 keeps integer shifts exact.
        expected = np.stack([shift(image, (dy, dx), order=0, mode="constant", cval=0.0) for image in images])
        np.testing.assert_array_equal(ref.translate(images, dx, dy), expected)


def test_count_conv_parameters_matches_torch(ref: ModuleType) -> None:
    for k, c_in, c_out, bias in ((3, 1, 16, True), (5, 3, 8, False), (1, 7, 2, True), (4, 16, 32, True)):
        layer = torch.nn.Conv2d(c_in, c_out, kernel_size=k, bias=bias)
        assert ref.count_conv_parameters(k, c_in, c_out, bias) == sum(p.numel() for p in layer.parameters())
    assert sum(p.numel() for p in ref.SmallCNN().parameters()) == (
        ref.count_conv_parameters(3, 1, 16) + ref.count_conv_parameters(3, 16, 32) + 32 * 10 + 10
    )


def test_message_passing_matches_scipy_sparse(ref: ModuleType) -> None:
    from scipy import sparse

    rng = np.random.default_rng(2)
    n = 12
    A = (rng.random((n, n)) < 0.3) * rng.choice([1.0, 2.5], size=(n, n))
    A[3, :] = 0.0  # node 3 receives nothing
    H, W_self, W_neigh = rng.normal(size=(n, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    # The contract aggregates over A[v, u] != 0 whatever the value: the sparse
    # matrix holds the pattern of A with ones, and row v times H is v's sum.
    pattern = sparse.csr_matrix(A != 0, dtype=np.float64)
    degree = np.asarray(pattern.sum(axis=1))
    sums = pattern @ H
    means = sums / np.maximum(degree, 1.0)
    for aggregation, aggregated in (("sum", sums), ("mean", means)):
        expected = np.maximum(H @ W_self.T + aggregated @ W_neigh.T, 0.0)
        got = ref.message_passing(*map(torch.tensor, (H, A, W_self, W_neigh)), aggregation=aggregation)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_self_attention_matches_scaled_dot_product_attention(ref: ModuleType) -> None:
    rng = np.random.default_rng(3)
    X = torch.tensor(rng.normal(size=(2, 5, 6)))
    W_q, W_k, W_v = (torch.tensor(rng.normal(size=(d, 6))) for d in (3, 3, 4))
    causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
    for mask in (None, causal):
        Y, A = ref.self_attention(X, W_q, W_k, W_v, mask=mask)
        Q, K, V = X @ W_q.T, X @ W_k.T, X @ W_v.T
        # A boolean attn_mask of scaled_dot_product_attention marks the positions that
        # take part (True = visible): the opposite of the contract, hence ~mask.
        allowed = None if mask is None else ~mask
        expected_y = F.scaled_dot_product_attention(Q, K, V, attn_mask=allowed)
        # With the identity as values, the output is the weight matrix itself.
        identity = torch.eye(5, dtype=torch.float64).expand(2, 5, 5)
        expected_a = F.scaled_dot_product_attention(Q, K, identity, attn_mask=allowed)
        torch.testing.assert_close(Y, expected_y, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(A, expected_a, rtol=1e-12, atol=1e-12)


def test_gnn_and_cnn_are_equivariant_and_invariant(ref: ModuleType) -> None:
    torch.manual_seed(0)
    gnn = ref.GNN(4, 8, 3)
    H = torch.randn(7, 4)
    A = (torch.rand(7, 7) < 0.4).float()
    A = torch.maximum(A, A.T).fill_diagonal_(0)
    p = torch.randperm(7)
    torch.testing.assert_close(gnn(H[p], A[p][:, p]), gnn(H, A)[p], rtol=1e-5, atol=1e-5)
    # A shift that keeps the content 3 pixels (the reach of two 3×3 layers) away
    # from the border only moves the feature maps: the global max is unchanged.
    cnn = ref.SmallCNN()
    images = np.zeros((4, 14, 14))
    images[:, 4:10, 4:10] = np.random.default_rng(4).uniform(size=(4, 6, 6))
    moved = ref.translate(images, 1, -1)

    def as_input(batch: np.ndarray) -> torch.Tensor:
        return torch.tensor(batch[:, None], dtype=torch.float32)

    with torch.no_grad():
        torch.testing.assert_close(cnn(as_input(moved)), cnn(as_input(images)), rtol=1e-5, atol=1e-5)
