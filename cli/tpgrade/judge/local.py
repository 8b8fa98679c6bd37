"""A :class:`StudentClient` over a namespace in this very process.

Used by the public checks, which hold no secret: inside the student's own
notebook (``tpgrade.notebook.check``) and by ``tpgrade check --sandbox none``.
Values still go through the plain-data codec, so that a check passes here
exactly when the same code passes the remote runner's validation. During a
NumPy-only question's calls PyTorch is forbidden, as in the runner; a
``fresh`` call runs in a fresh namespace where the client can make one (the
trusted sources of :func:`grade_source_in_process`), else in the same one.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tpgrade.judge.sourcecheck import SubmissionSource
from tpgrade.judge.student import ForbiddenCode, InvalidOutput, NotImplementedByStudent, StudentRaised, Target
from tpgrade.models import QuestionResult
from tpgrade.runner import guards
from tpgrade.runner.execution import KeptValues, compile_function, to_tensor
from tpgrade.wire import codec


class LocalStudent:
    def __init__(
        self,
        namespace: dict[str, Any],
        source: SubmissionSource,
        fresh_namespace: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.namespace = namespace
        self.source = source
        self.kept = KeptValues(base=0)
        self.fresh_namespace = fresh_namespace
        self.numpy_only = False

    def defined(self) -> frozenset[str]:
        return frozenset(name for name in self.namespace if not name.startswith("_"))

    def enter_question(self, question: str, numpy_only: bool = False) -> None:
        """Nothing to isolate: public checks run the student's code in their own process."""
        self.numpy_only = numpy_only

    def _resolve(self, target: Target, namespace: dict[str, Any] | None = None) -> Any:
        namespace = self.namespace if namespace is None else namespace
        if target.probe is not None:
            return compile_function(target.probe.source, target.probe.name, namespace)
        value = namespace[target.name] if target.name else self.kept.get(target.ref.id)  # type: ignore[union-attr]
        for attr in target.attrs:
            value = getattr(value, attr)
        return value

    def _roundtrip_in(self, value: Any) -> Any:
        return codec.decode(codec.encode(value), self.kept.get, to_tensor, self._compile)

    def _compile(self, source: str, name: str) -> Any:
        return compile_function(source, name, self.namespace)

    def invoke(
        self,
        target: Target,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        timeout: float,
        fresh: bool = False,
    ) -> Any:
        namespace = self.fresh_namespace() if fresh and self.fresh_namespace is not None else None
        function = self._resolve(target, namespace)
        args, kwargs = self._roundtrip_in(args), self._roundtrip_in(kwargs)
        what = target.name or "la méthode"
        report = guards.GuardReport()
        try:
            with guards.torch_forbidden() if self.numpy_only else contextlib.nullcontext(report) as report:
                result = function(*args, **kwargs)
        except NotImplementedError:
            raise NotImplementedByStudent(what) from None
        except guards.TorchForbidden as exc:
            raise ForbiddenCode(f"{what} : {exc}") from None
        except Exception as exc:
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            raise StudentRaised(f"votre code a levé {detail}") from None
        if not report.intact:
            raise ForbiddenCode(f"{what} : {guards.FORBIDDEN_MESSAGE}")
        return self._roundtrip_out(result)

    def fetch(self, target: Target, timeout: float) -> Any:
        return self._roundtrip_out(self._resolve(target))

    def keep(self, value: Any) -> codec.Ref:
        return self.kept.add(self._roundtrip_in(value))

    def _roundtrip_out(self, value: Any) -> Any:
        try:
            return codec.decode(codec.encode(value, self.kept.add), None, to_tensor)
        except codec.CodecError as exc:
            raise InvalidOutput(f"valeur renvoyée inutilisable : {exc}") from None


def grade_source_in_process(tests_dir: Path, source: str, seed: int = 0) -> dict[str, QuestionResult]:
    """Run graders on a ``.py`` source executed in this process (trusted code only:
    references, mutants and fixtures of the test suite)."""
    from tpgrade.judge.plugin import run_graders

    code = compile(source, "<submission>", "exec")

    def load() -> dict[str, Any]:
        namespace: dict[str, Any] = {"__name__": "__main__"}
        exec(code, namespace)
        return namespace

    client = LocalStudent(load(), SubmissionSource((source,)), fresh_namespace=load)
    return run_graders(tests_dir, client, seed)
