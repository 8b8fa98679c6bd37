"""A :class:`StudentClient` over a namespace in this very process.

Used by the public checks, which hold no secret: inside the student's own
notebook (``tpgrade.notebook.check``) and by ``tpgrade check --sandbox none``.
Values still go through the plain-data codec, so that a check passes here
exactly when the same code passes the remote runner's validation.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from tpgrade.models import QuestionResult
from tpgrade.runner.protocol import KeptValues, compile_function, to_tensor
from tpgrade.sourcecheck import SubmissionSource
from tpgrade.student import InvalidOutput, NotImplementedByStudent, StudentRaised, Target
from tpgrade.wire import codec


class LocalStudent:
    def __init__(self, namespace: dict[str, Any], source: SubmissionSource) -> None:
        self.namespace = namespace
        self.source = source
        self.kept = KeptValues(base=0)

    def defined(self) -> frozenset[str]:
        return frozenset(name for name in self.namespace if not name.startswith("_"))

    def enter_question(self, question: str) -> None:
        """Nothing to isolate: public checks run the student's code in their own process."""

    def _resolve(self, target: Target) -> Any:
        if target.probe is not None:
            return compile_function(target.probe.source, target.probe.name, self.namespace)
        value = self.namespace[target.name] if target.name else self.kept.get(target.ref.id)  # type: ignore[union-attr]
        for attr in target.attrs:
            value = getattr(value, attr)
        return value

    def _roundtrip_in(self, value: Any) -> Any:
        return codec.decode(codec.encode(value), self.kept.get, to_tensor, self._compile)

    def _compile(self, source: str, name: str) -> Any:
        return compile_function(source, name, self.namespace)

    def invoke(self, target: Target, args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float) -> Any:
        function = self._resolve(target)
        args, kwargs = self._roundtrip_in(args), self._roundtrip_in(kwargs)
        try:
            result = function(*args, **kwargs)
        except NotImplementedError:
            raise NotImplementedByStudent(target.name or "la méthode") from None
        except Exception as exc:
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            raise StudentRaised(f"votre code a levé {detail}") from None
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
    from tpgrade.judge import run_graders

    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(source, "<submission>", "exec"), namespace)
    return run_graders(tests_dir, LocalStudent(namespace, SubmissionSource((source,))), seed)
