"""Day 2 course content: reference, stub, graders, mutants, alternative solutions.

Everything runs in this process through ``grade_source_in_process`` (trusted
code only: the reference, the stub, the mutants, the fixtures), plus
independent oracles from PyTorch for the reference itself. Each mutant is
graded once per CI run, by ``tpgrade validate`` (``tests/test_validate.py``):
here only the mutants' files are checked.
"""

from __future__ import annotations

import ast
import copy
import inspect
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypedDict

import nbformat
import numpy as np
import pytest
import torch

from tpgrade.grader import load_module
from tpgrade.judge.local import grade_source_in_process
from tpgrade.judge.sourcecheck import SubmissionSource
from tpgrade.judge.student import Student, Target
from tpgrade.models import QuestionResult
from tpgrade.runner.execution import KeptValues, compile_function
from tpgrade.wire.codec import PyFunction, Ref

# Grades real submissions: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
GRADERS = ROOT / "graders" / "day2"
PUBLIC_TESTS = ROOT / "assignments" / "day2" / "public_tests"
NOTEBOOK = ROOT / "assignments" / "day2" / "tp_day2.ipynb"
REFERENCE = ROOT / "reference" / "day2" / "solution.py"
FIXTURES = ROOT / "tests" / "fixtures" / "day2"
MUTANTS = sorted((GRADERS / "mutants").glob("*.py"))
# The second style doubles as the demo cohort's "other style" submission.
ALTERNATIVES = [FIXTURES / "alt_correct.py", ROOT / "reference" / "day2" / "demo" / "other_style.py"]

# Question -> points of the hidden graders.
POINTS = {
    "grad_quadratic": 1.0,
    "numerical_gradient": 2.0,
    "softmax": 2.0,
    "cross_entropy": 2.0,
    "mlp_forward_cache": 2.0,
    "mlp_backward": 3.0,
    "sgd_step": 1.0,
    "adam_step": 3.0,
    "train_mlp_numpy": 3.0,
    "diagnose_learning_curve": 2.0,
}
NUMPY_ONLY = {"softmax", "cross_entropy", "mlp_forward_cache", "mlp_backward", "train_mlp_numpy"}
# The contract's signatures: parameter names and defaults.
SIGNATURES: dict[str, list[tuple[str, Any]]] = {
    "grad_quadratic": [("x", None)],
    "numerical_gradient": [("f", None), ("x", None), ("eps", 1e-5)],
    "softmax": [("Z", None)],
    "cross_entropy": [("logits", None), ("y", None)],
    "mlp_forward_cache": [("X", None), ("params", None)],
    "mlp_backward": [("y", None), ("params", None), ("cache", None)],
    "sgd_step": [("params", None), ("grads", None), ("lr", None)],
    "adam_step": [
        ("params", None),
        ("grads", None),
        ("state", None),
        ("lr", 1e-3),
        ("beta1", 0.9),
        ("beta2", 0.999),
        ("eps", 1e-8),
    ],
    "train_mlp_numpy": [
        ("X", None),
        ("y", None),
        ("d_hidden", None),
        ("lr", None),
        ("epochs", None),
        ("batch_size", None),
        ("seed", None),
    ],
    "diagnose_learning_curve": [("train_loss", None), ("val_loss", None)],
}
KEYS = ("W1", "b1", "W2", "b2")


def grade(source: str, tests_dir: Path = GRADERS, seed: int = 0) -> dict[str, QuestionResult]:
    return grade_source_in_process(tests_dir, source, seed=seed)


def short(results: dict[str, QuestionResult]) -> dict[str, str]:
    """Questions without full marks, for assertion messages."""
    return {
        name: f"{r.score:g}/{r.max_score:g} {r.status}: {r.message}"
        for name, r in results.items()
        if r.score < r.max_score
    }


@pytest.fixture(scope="module")
def ref() -> ModuleType:
    return load_module(REFERENCE, "tpgrade_test_day2_reference")


@pytest.fixture(scope="module")
def reference_source() -> str:
    return REFERENCE.read_text(encoding="utf-8")


# --- The notebook -------------------------------------------------------------


def notebook() -> Any:
    return nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]


def is_exploration(cell: Any) -> bool:
    return "exploration" in cell.get("metadata", {}).get("tags", [])


def graded_code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code" and not is_exploration(c)]


def defined_function(cell: Any) -> str | None:
    tree = ast.parse(cell.source)
    names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    return names[0] if len(names) == 1 else None


def stub_source() -> str:
    """What grading executes of the untouched stub: its code cells but the exploration ones."""
    return "\n\n".join(cell.source for cell in graded_code_cells(notebook()))


def reference_chunks(reference_source: str) -> dict[str, str]:
    """The reference cut at each graded function: the function with the helpers
    and imports that come before it in the file (and after the previous one)."""
    tree = ast.parse(reference_source)
    lines = reference_source.splitlines(keepends=True)
    chunks: dict[str, str] = {}
    pending: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue  # only allowed first in a file; annotations evaluate fine without it
        pending.append("".join(lines[node.lineno - 1 : node.end_lineno]))
        if isinstance(node, ast.FunctionDef) and node.name in POINTS:
            chunks[node.name] = "\n\n".join(pending)
            pending = []
    return chunks


def notebook_with_reference(reference_source: str) -> Any:
    """A copy of the stub with each graded cell replaced by the reference's code."""
    nb = notebook()
    chunks = reference_chunks(reference_source)
    for cell in graded_code_cells(nb):
        name = defined_function(cell)
        if name in chunks:
            cell.source = chunks[name]
    return nb


def test_notebook_format() -> None:
    nb = notebook()
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    nbformat.validate(nb)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "tpgrade check day2 tp_day2.ipynb" in text
    assert 'from tpgrade.notebook import check; check("day2")' in text
    last = nb.cells[-1]
    assert last.cell_type == "code" and is_exploration(last)
    assert "from tpgrade.notebook import check" in last.source and "except ImportError" in last.source


def test_notebook_graded_cells() -> None:
    """Each graded function alone in its cell, exact signature, stub body, instructions above."""
    nb = notebook()
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_exploration(cell):
            continue
        name = defined_function(cell)
        if name is None:  # the setup cell: imports only
            assert all(isinstance(n, ast.Import | ast.ImportFrom) for n in ast.parse(cell.source).body)
            continue
        assert name in POINTS and name not in seen, name
        seen[name] = index
        assert nb.cells[index - 1].cell_type == "markdown", f"no instructions above {name}"
        assert f"`{name}(" in nb.cells[index - 1].source
        namespace: dict[str, Any] = {}
        exec(cell.source, namespace)
        params = inspect.signature(namespace[name]).parameters.values()
        assert [(p.name, None if p.default is p.empty else p.default) for p in params] == SIGNATURES[name]
        body = ast.parse(cell.source).body[0].body
        assert ast.unparse(body[-1]) == "raise NotImplementedError('À compléter')"
        assert len(body) <= 2  # a docstring at most before it
    assert set(seen) == set(POINTS)


def test_exploration_cells_guard_student_functions() -> None:
    """An exploration cell that calls a graded function catches NotImplementedError."""
    for cell in notebook().cells:
        if cell.cell_type == "code" and is_exploration(cell):
            calls = {
                n.func.id
                for n in ast.walk(ast.parse(cell.source))
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            }
            if calls & set(POINTS):
                assert "except NotImplementedError" in cell.source, cell.source[:80]


def run_notebook(nb: Any, folder: Path) -> Any:
    from nbclient import NotebookClient

    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return nb


def outputs_text(nb: Any) -> str:
    return "\n".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


@pytest.mark.slow
def test_stub_notebook_runs_clean(tmp_path: Path) -> None:
    nb = run_notebook(notebook(), tmp_path)
    assert "Implémentez d'abord softmax" in outputs_text(nb)


@pytest.mark.slow
def test_notebook_with_reference_runs_clean(tmp_path: Path, reference_source: str) -> None:
    nb = run_notebook(notebook_with_reference(reference_source), tmp_path)
    assert "Implémentez d'abord" not in outputs_text(nb)


# --- Grading: reference, stub, mutants, alternatives -------------------------------


def test_reference_full_marks(reference_source: str) -> None:
    results = grade(reference_source)
    assert {name: r.max_score for name, r in results.items()} == POINTS
    assert not short(results)
    assert all(r.status == "passed" for r in results.values())


def test_stub_scores_zero() -> None:
    results = grade(stub_source())
    assert set(results) == set(POINTS)
    for name, result in results.items():
        assert result.score == 0, name
        assert result.status == "not_implemented", (name, result.status)


def test_notebook_with_reference_full_marks(reference_source: str) -> None:
    nb = notebook_with_reference(reference_source)
    results = grade("\n\n".join(cell.source for cell in graded_code_cells(nb)))
    assert not short(results)


def test_mutants_cover_every_question() -> None:
    counts = {name: 0 for name in POINTS}
    for path in MUTANTS:
        target = path.stem.split("__")[0]
        assert target in POINTS, path.name
        counts[target] += 1
    assert all(count >= 2 for count in counts.values()), counts


@pytest.mark.parametrize("path", MUTANTS, ids=lambda p: p.stem)
def test_mutant_file_shape(path: Path) -> None:
    """A one-line comment saying the bug, then only the redefinition(s)."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ") and not text.splitlines()[1].startswith("#")
    tree = ast.parse(text)
    assert tree.body and all(isinstance(node, ast.FunctionDef) for node in tree.body)
    assert path.stem.split("__")[0] in {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("path", ALTERNATIVES, ids=lambda p: p.stem)
def test_alternative_solutions_full_marks(path: Path) -> None:
    results = grade(path.read_text(encoding="utf-8"))
    assert set(results) == set(POINTS)
    assert not short(results)


def test_the_course_book_s_adam_gets_full_marks(reference_source: str) -> None:
    """eps under the square root (the book, §2.6) is as right as eps added to it (torch)."""
    book = (FIXTURES / "adam_book.py").read_text(encoding="utf-8")
    for tests in (GRADERS, PUBLIC_TESTS):
        results = grade(reference_source + "\n\n" + book, tests)
        assert results["adam_step"].score == results["adam_step"].max_score, results["adam_step"].message


def test_the_reference_s_two_adams_match_torch_and_the_book(ref: ModuleType) -> None:
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(4, 3))}
    tensor = torch.tensor(params["W1"], requires_grad=True)
    adam = torch.optim.Adam([tensor], lr=1e-2, eps=1e-4)
    ours, book, state, book_state = params, params, None, None
    for _ in range(10):
        grads = {"W1": rng.normal(scale=1e-3, size=(4, 3))}
        ours, state = ref.adam_step(ours, grads, state, lr=1e-2, eps=1e-4)
        book, book_state = ref.adam_step_book(book, grads, book_state, lr=1e-2, eps=1e-4)
        tensor.grad = torch.from_numpy(grads["W1"])
        adam.step()
    np.testing.assert_allclose(ours["W1"], tensor.detach().numpy(), rtol=0, atol=1e-12)
    assert np.max(np.abs(book["W1"] - ours["W1"])) > 1e-4  # eps = 1e-4 against gradients of 1e-3


def test_alternative_solutions_exist() -> None:
    assert all(path.is_file() for path in ALTERNATIVES)


def test_numpy_only_markers(reference_source: str) -> None:
    """Every function wrapped in one that imports torch: exactly the NumPy-only
    questions become ``forbidden``; the others still get full marks."""
    wrappers = "".join(
        f"\n\n_plain_{name} = {name}\n\n\n"
        f"def {name}(*args, **kwargs):\n"
        f"    import torch  # noqa: F401\n"
        f"    return _plain_{name}(*args, **kwargs)\n"
        for name in POINTS
    )
    results = grade(reference_source + wrappers)
    for name, result in results.items():
        if name in NUMPY_ONLY:
            assert (result.status, result.score) == ("forbidden", 0), name
        else:
            assert result.score == result.max_score, (name, result.message)


# --- Public tests ------------------------------------------------------------------


def test_public_tests(reference_source: str) -> None:
    results = grade(reference_source, PUBLIC_TESTS)
    assert set(results) == set(POINTS)
    assert not short(results)
    for path in ALTERNATIVES:
        assert not short(grade(path.read_text(encoding="utf-8"), PUBLIC_TESTS)), path.name
    stub = grade(stub_source(), PUBLIC_TESTS)
    assert all(r.score == 0 and r.status == "not_implemented" for r in stub.values())


def test_graders_use_no_bare_assert() -> None:
    for path in [*GRADERS.glob("test_*.py"), *PUBLIC_TESTS.glob("test_*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not any(isinstance(node, ast.Assert) for node in ast.walk(tree)), path.name


def test_public_tests_hold_no_reference() -> None:
    for path in PUBLIC_TESTS.glob("test_*.py"):
        assert "reference" not in {
            alias.name
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }, path.name


# --- Many seeds ----------------------------------------------------------------------


class CopyingClient:
    """A student client over trusted code that copies values instead of encoding them.

    The judge's client encodes every array as ``.npy`` bytes, which costs
    ~0.1 ms an array; here only the numbers matter (the reference against the
    graders' tolerances and thresholds over many seeds), so plain copies do.
    """

    def __init__(self, source: str) -> None:
        self.namespace: dict[str, Any] = {"__name__": "__main__"}
        exec(compile(source, "<reference>", "exec"), self.namespace)
        self.source = SubmissionSource((source,))
        self.kept = KeptValues(base=0)

    def defined(self) -> frozenset[str]:
        return frozenset(n for n in self.namespace if not n.startswith("_"))

    def enter_question(self, question: str, numpy_only: bool = False) -> None:
        """Trusted code: no isolation needed."""

    def _resolve(self, target: Target) -> Any:
        if target.name:
            value = self.namespace[target.name]
        else:
            assert target.ref is not None
            value = self.kept.get(target.ref.id)
        for attr in target.attrs:
            value = getattr(value, attr)
        return value

    def _in(self, value: Any) -> Any:
        if isinstance(value, Ref):
            return self.kept.get(value.id)
        if isinstance(value, PyFunction):
            return compile_function(value.source, value.name)
        if isinstance(value, list | tuple):
            return type(value)(self._in(v) for v in value)
        if isinstance(value, dict):
            return {k: self._in(v) for k, v in value.items()}
        return copy.deepcopy(value)

    def _out(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | str | np.ndarray | np.generic):
            return copy.deepcopy(value)
        if isinstance(value, list | tuple):
            return type(value)(self._out(v) for v in value)
        if isinstance(value, dict) and all(type(k) is str for k in value):
            return {k: self._out(v) for k, v in value.items()}
        return self.kept.add(value)

    def invoke(
        self,
        target: Target,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        timeout: float,
        fresh: bool = False,
    ) -> Any:
        # The reference keeps no state between calls: a fresh call is an ordinary one.
        return self._out(self._resolve(target)(*self._in(args), **self._in(kwargs)))

    def fetch(self, target: Target, timeout: float) -> Any:
        return self._out(self._resolve(target))

    def keep(self, value: Any) -> Ref:
        return self.kept.add(self._in(value))


def grader_functions() -> Iterator[tuple[str, str, Callable[..., None]]]:
    """(question, pytest node id, function) of every hidden grader."""
    for path in sorted(GRADERS.glob("test_*.py")):
        module = load_module(path, f"tpgrade_test_day2_{path.stem}")
        for name, function in vars(module).items():
            marks = getattr(function, "pytestmark", [])
            if name.startswith("test_") and marks:
                yield marks[0].args[0], f"{path.name}::{name}", function


def failures_over_seeds(source: str, seeds: range, questions: set[str]) -> list[str]:
    student = Student(CopyingClient(source))
    failures = []
    for question, node_id, function in grader_functions():
        if question not in questions:
            continue
        for seed in seeds:
            # The judge's own draw: the same seed and node id give the same numbers.
            rng = np.random.default_rng([seed, zlib.crc32(node_id.encode())])
            try:
                function(student, rng)
            except AssertionError as exc:
                failures.append(f"{node_id} seed {seed}: {exc}")
    return failures


def test_reference_passes_fifty_seeds(reference_source: str) -> None:
    assert failures_over_seeds(reference_source, range(50), set(POINTS) - {"train_mlp_numpy"}) == []


def test_reference_training_passes_twelve_seeds(reference_source: str) -> None:
    # Five trainings per seed (~0.1 s): twelve seeds keep this test short. The
    # thresholds themselves were measured over 150-300 seeds (see the grader).
    assert failures_over_seeds(reference_source, range(12), {"train_mlp_numpy"}) == []


# --- Independent oracles for the reference: PyTorch in float64 -------------------------------


def grad_of(tensor: torch.Tensor) -> torch.Tensor:
    """The gradient that backward() left on a leaf tensor."""
    assert tensor.grad is not None
    return tensor.grad


def torch_mlp_gradients(X: np.ndarray, y: np.ndarray, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    hidden = torch.relu(torch.from_numpy(X) @ tensors["W1"].T + tensors["b1"])
    logits = hidden @ tensors["W2"].T + tensors["b2"]
    torch.nn.functional.cross_entropy(logits, torch.from_numpy(y)).backward()  # type: ignore[no-untyped-call]
    return {k: grad_of(t).numpy() for k, t in tensors.items()}


@pytest.mark.parametrize("shape", [(1, 3, 4, 2), (7, 5, 6, 3), (16, 8, 3, 10)])
def test_mlp_backward_equals_autograd(ref: ModuleType, shape: tuple[int, int, int, int]) -> None:
    n, d, h, k = shape
    rng = np.random.default_rng(sum(shape))
    params = {
        "W1": rng.normal(size=(h, d)),
        "b1": rng.normal(size=h),
        "W2": rng.normal(size=(k, h)),
        "b2": rng.normal(size=k),
    }
    X, y = rng.normal(size=(n, d)), rng.integers(0, k, size=n)
    grads = ref.mlp_backward(y, params, ref.mlp_forward_cache(X, params)[1])
    expected = torch_mlp_gradients(X, y, params)
    for key in KEYS:
        scale = np.max(np.abs(expected[key]))
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-8, atol=1e-8 * scale)


class AdamOptions(TypedDict):
    lr: float
    betas: tuple[float, float]
    eps: float


@pytest.mark.parametrize("hyper", [{}, {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-4}])
def test_adam_step_equals_torch_adam(ref: ModuleType, hyper: dict[str, float]) -> None:
    rng = np.random.default_rng(3)
    shapes = {"W1": (4, 3), "b1": (4,), "W2": (2, 4), "b2": (2,)}
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    options: AdamOptions = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}
    if hyper:
        options = {"lr": hyper["lr"], "betas": (hyper["beta1"], hyper["beta2"]), "eps": hyper["eps"]}
    optimizer = torch.optim.Adam(tensors.values(), **options)
    state = None
    for _ in range(10):
        grads = {k: rng.normal(scale=10.0 ** rng.integers(-4, 1), size=s) for k, s in shapes.items()}
        params, state = ref.adam_step(params, grads, state, **hyper)
        for key, tensor in tensors.items():
            tensor.grad = torch.from_numpy(grads[key].copy())
        optimizer.step()
    for key, tensor in tensors.items():
        # The contract asks for 1e-6; the reference is exact to round-off.
        np.testing.assert_allclose(params[key], tensor.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_softmax_and_cross_entropy_equal_torch(ref: ModuleType) -> None:
    rng = np.random.default_rng(4)
    for Z in (
        rng.normal(size=(1, 5)),
        rng.normal(scale=5.0, size=(6, 3)),
        1e4 + rng.normal(size=(3, 4)),
        rng.normal(scale=1e3, size=(5, 7)),
    ):
        tZ = torch.from_numpy(Z)
        np.testing.assert_allclose(ref.softmax(Z), torch.softmax(tZ, dim=1).numpy(), rtol=1e-9, atol=1e-300)
        y = rng.integers(0, Z.shape[1], size=Z.shape[0])
        expected = torch.nn.functional.cross_entropy(tZ, torch.from_numpy(y)).item()
        assert ref.cross_entropy(Z, y) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_numerical_gradient_leaves_x_unchanged_and_is_accurate(ref: ModuleType) -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 4))
    before = x.copy()
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    torch.sum(torch.sin(tx) * tx**2).backward()  # type: ignore[no-untyped-call]
    grad = ref.numerical_gradient(lambda a: float(np.sum(np.sin(a) * a**2)), x)
    assert np.array_equal(x, before)
    np.testing.assert_allclose(grad, grad_of(tx).numpy(), rtol=1e-7, atol=1e-8)


def test_training_is_deterministic_and_learns(ref: ModuleType) -> None:
    rng = np.random.default_rng(6)
    X = np.concatenate([c + rng.normal(size=(40, 2)) for c in ([3, 0], [-3, 0], [0, 3])])
    y = np.repeat(np.arange(3), 40)
    params_a, history_a = ref.train_mlp_numpy(X, y, 8, 0.05, 8, 10, seed=1)
    params_b, history_b = ref.train_mlp_numpy(X, y, 8, 0.05, 8, 10, seed=1)
    assert history_a == history_b and len(history_a) == 8
    assert all(np.array_equal(params_a[k], params_b[k]) for k in KEYS)
    assert history_a[-1] < 0.3 * history_a[0]


@pytest.mark.parametrize(
    ("train", "val", "expected"),
    [
        (np.geomspace(2.0, 0.1, 30), np.geomspace(2.1, 0.15, 30), "healthy"),
        (
            np.geomspace(2.0, 0.02, 30),
            np.r_[np.geomspace(2.0, 0.5, 10), np.linspace(0.5, 1.5, 20)],
            "overfitting",
        ),
        (np.linspace(2.2, 2.1, 30), np.linspace(2.3, 2.2, 30), "underfitting"),
        (np.geomspace(2.0, 200.0, 30), np.geomspace(2.0, 200.0, 30), "divergence"),
        (
            np.r_[np.linspace(2.0, 1.0, 10), [np.inf, np.nan]],
            np.r_[np.linspace(2.0, 1.0, 10), [np.nan] * 2],
            "divergence",
        ),
    ],
)
def test_diagnose_clear_cases(ref: ModuleType, train: np.ndarray, val: np.ndarray, expected: str) -> None:
    assert ref.diagnose_learning_curve(train, val) == expected
    assert ref.diagnose_learning_curve(list(train), list(val)) == expected
