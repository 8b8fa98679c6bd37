"""The runner's guards: PyTorch forbidden in a NumPy-only question, and what probes may trust."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from tpgrade.judge.local import LocalStudent
from tpgrade.judge.sourcecheck import SubmissionSource
from tpgrade.judge.student import ForbiddenCode, Target
from tpgrade.runner import guards

# Starts Python processes that import PyTorch: not in the fast tier (python -m pytest -m "not slow").
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str) -> str:
    """``code`` in a fresh interpreter (forbid_torch is for good in a process); its output."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "cli"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


# --- In this process, for the duration of a block --------------------------------------


def test_numpy_code_runs_untouched_under_the_guard() -> None:
    rng = np.random.default_rng(0)
    with guards.torch_forbidden() as report:
        X = rng.normal(size=(20, 5))
        Z = X @ X.T
        result = np.linalg.solve(Z + np.eye(20), np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1))
    assert report.intact and np.all(np.isfinite(result))


@pytest.mark.parametrize(
    "use",
    [
        lambda t: torch.ones(3),
        lambda t: t + 1,
        lambda t: t.sum(),
        lambda t: t.numpy(),
        lambda t: torch.from_numpy(np.ones(3)).mul(2),
        lambda t: (t * 2).sum().backward(),
        lambda t: torch.nn.functional.softmax(t, 0),
    ],
)
def test_any_torch_operation_raises_and_forfeits(use: Callable[[torch.Tensor], object]) -> None:
    t = torch.ones(3, requires_grad=True)
    with (
        pytest.raises(guards.TorchForbidden, match="PyTorch est interdit"),
        guards.torch_forbidden() as report,
    ):
        use(t)
    assert not report.intact
    assert float(torch.ones(2).sum()) == 2.0  # the block is over: torch works again


def test_catching_the_refusal_does_not_erase_the_attempt() -> None:
    with guards.torch_forbidden() as report, contextlib.suppress(Exception):
        torch.zeros(2)
    assert not report.intact


def test_popping_the_modes_is_noticed() -> None:
    with guards.torch_forbidden() as report:
        torch._C._pop_torch_function_stack()
        torch._C._pop_torch_dispatch_stack(None)
        torch.ones(2)
    assert not report.intact
    assert torch._C._len_torch_function_stack() == 0 and torch._C._len_torch_dispatch_stack() == 0


def test_the_refusal_is_an_import_error_so_optional_imports_go_on() -> None:
    assert issubclass(guards.TorchForbidden, ImportError)
    assert {"torch", "jax", "tensorflow"} <= guards.REFUSED_MODULES
    from tpgrade.judge.sourcecheck import FORBIDDEN_MODULES

    assert guards.REFUSED_MODULES == FORBIDDEN_MODULES


# --- For good, in a fresh process ------------------------------------------------------


def test_forbid_torch_before_torch_is_imported_refuses_the_import() -> None:
    out = run_python(
        """
        import sys
        from tpgrade.runner import guards
        import numpy as np
        guards.forbid_torch()
        import scipy.special
        print(float(scipy.special.softmax(np.ones(4))[0]), guards.guard_intact())
        try:
            import torch
        except guards.TorchForbidden as exc:
            print(type(exc).__name__, exc)
        print("torch" in sys.modules, guards.guard_intact())
        sys.meta_path.pop(0)
        print(guards.guard_intact())
        """
    )
    lines = out.splitlines()
    assert lines[0] == "0.25 True"
    assert lines[1].startswith("TorchForbidden PyTorch est interdit") and "import torch" in lines[1]
    assert lines[2:] == ["False True", "False"]


def test_torch_imported_after_the_guards_module_is_captured_before_student_code_resumes() -> None:
    out = run_python(
        """
        from tpgrade.runner import guards
        assert not guards._torch
        import torch
        print(bool(guards._torch), type(torch.__spec__.loader).__name__)
        torch.nn.Module.parameters = lambda self, recurse=True: iter([])  # a student's patch
        model = torch.nn.Linear(3, 2)
        print(guards.TRUSTED.count_tensor_values(model)[0], len(guards.TRUSTED.parameters(model)))
        guards.forbid_torch()
        try:
            model(torch.ones(1, 3))
        except guards.TorchForbidden as exc:
            print("refused", exc)
        print(guards.guard_intact())
        """
    )
    lines = out.splitlines()
    assert lines[0] == "True SourceFileLoader"  # torch sees its own loader
    assert lines[1] == "8 2"
    assert lines[2].startswith("refused PyTorch est interdit")
    assert lines[3] == "False"


def test_a_guarded_process_that_never_touches_torch_stays_intact() -> None:
    out = run_python(
        """
        import torch
        from tpgrade.runner import guards
        import numpy as np
        guards.forbid_torch()
        x = np.arange(12.0).reshape(3, 4)
        print(float((x @ x.T).trace()), guards.guard_intact())
        """
    )
    assert out.split() == ["506.0", "True"]


# --- The client in this process --------------------------------------------------------


def hidden_torch_namespace() -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(
        "import numpy as np\n"
        "def softmax(Z):\n"
        "    import torch\n"
        "    return torch.softmax(torch.from_numpy(Z), 1).numpy()\n",
        namespace,
    )
    return namespace


def test_the_local_client_enforces_the_rule_during_numpy_only_calls() -> None:
    client = LocalStudent(hidden_torch_namespace(), SubmissionSource(()))
    Z = np.zeros((2, 3))
    client.enter_question("softmax", numpy_only=False)
    assert np.allclose(client.invoke(Target(name="softmax"), (Z,), {}, 10.0), 1 / 3)
    client.enter_question("softmax", numpy_only=True)
    with pytest.raises(ForbiddenCode, match="PyTorch est interdit"):
        client.invoke(Target(name="softmax"), (Z,), {}, 10.0)


def test_fresh_calls_get_a_fresh_namespace_where_the_client_can_make_one() -> None:
    source = "calls = []\ndef count():\n    calls.append(1)\n    return len(calls)\n"

    def load() -> dict[str, object]:
        namespace: dict[str, object] = {}
        exec(source, namespace)
        return namespace

    client = LocalStudent(load(), SubmissionSource((source,)), fresh_namespace=load)
    target = Target(name="count")
    assert [client.invoke(target, (), {}, 1.0) for _ in range(2)] == [1, 2]
    assert [client.invoke(target, (), {}, 1.0, fresh=True) for _ in range(2)] == [1, 1]


# --- What probes may trust -------------------------------------------------------------


class Lying(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.visible = torch.nn.Linear(10, 2)
        self.hidden = torch.nn.Linear(10, 10)
        self.kept: list[torch.Tensor | dict[str, np.ndarray]] = [
            torch.randn(5, 5, requires_grad=True),
            {"table": np.zeros((3, 4))},
        ]
        self.register_buffer("stats", torch.zeros(7))

    def parameters(self, recurse: bool = True) -> Iterator[torch.nn.Parameter]:
        return self.visible.parameters()

    def named_modules(self, *args: object, **kwargs: object) -> Iterator[tuple[str, torch.nn.Module]]:
        return iter([])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kept = self.kept[0]
        assert isinstance(kept, torch.Tensor)
        out: torch.Tensor = self.visible(torch.relu(self.hidden(x))) + kept.sum()
        return out


def test_counts_read_the_tensors_a_module_holds_not_its_methods() -> None:
    model = Lying()
    assert sum(p.numel() for p in model.parameters()) == 22
    held, problems = guards.TRUSTED.count_tensor_values(model)
    assert (held, problems) == (22 + 110 + 25 + 12 + 7, [])
    assert {tuple(p.shape) for p in guards.TRUSTED.parameters(model)} == {
        (2, 10),
        (2,),
        (10, 10),
        (10,),
        (5, 5),
    }


def test_graph_leaves_are_the_weights_an_output_depends_on() -> None:
    model = Lying()
    leaves = guards.TRUSTED.graph_leaves(model(torch.ones(3, 10)))
    assert sorted(int(leaf.numel()) for leaf in leaves) == [2, 10, 20, 25, 100]
    x = torch.ones(2, requires_grad=True)
    assert guards.TRUSTED.graph_leaves(x) == [x]
    assert guards.TRUSTED.graph_leaves(torch.ones(2)) == []


def test_a_tensor_of_an_unusual_type_is_reported() -> None:
    class Disguised(torch.Tensor):
        pass

    model = torch.nn.Module()
    model.table = torch.zeros(100).as_subclass(Disguised)
    _, problems = guards.TRUSTED.count_tensor_values(model)
    assert problems and "Disguised" in problems[0]


def test_attributes_are_read_from_the_registered_modules() -> None:
    class Hiding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = torch.nn.Linear(3, 4)

        def __getattr__(self, name: str) -> torch.nn.Linear:
            return torch.nn.Linear(1, 1)

    model = Hiding()
    assert guards.TRUSTED.attribute(model, "fc1", "weight").shape == (4, 3)
    assert guards.TRUSTED.attribute(model, "fc2") is None
