"""What graders see of a submission: a proxy whose calls go to student code.

The calls go through a :class:`StudentClient`: a runner in a sandbox for
grading, or the student's own namespace for the public checks. Failures that
come from the student's code are :class:`StudentFault` exceptions carrying a
status and a message in French, safe to show the student.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from tpgrade.judge.sourcecheck import SubmissionSource
from tpgrade.messages import NOT_IMPLEMENTED, to_do_of
from tpgrade.models import QuestionStatus
from tpgrade.wire.codec import PyFunction, Ref

DEFAULT_CALL_TIMEOUT = 10.0


class StudentFault(Exception):
    """The student's code did not give a usable answer."""

    status: QuestionStatus = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.to_do = to_do_of(message)  # what the student can do, for a message of the catalogue


class NotImplementedByStudent(StudentFault):
    status = "not_implemented"

    def __init__(self, name: str) -> None:
        super().__init__(NOT_IMPLEMENTED(name=name))


class StudentRaised(StudentFault):
    status = "error"


class StudentTimedOut(StudentFault):
    status = "timed_out"


class StudentCrashed(StudentFault):
    status = "crashed"


class InvalidOutput(StudentFault):
    status = "invalid_output"


class ForbiddenCode(StudentFault):
    status = "forbidden"


@dataclass(frozen=True)
class Target:
    """What to call: a name defined by the submission, or a kept value, then attributes."""

    name: str | None = None
    ref: Ref | None = None
    attrs: tuple[str, ...] = ()
    probe: PyFunction | None = None


class StudentClient(Protocol):
    """The one interface between graders and student code."""

    source: SubmissionSource

    def defined(self) -> frozenset[str]:
        """Names the submission defined (functions, classes, values)."""
        ...

    def enter_question(self, question: str, numpy_only: bool = False) -> None:
        """The next calls grade ``question`` (a client may isolate questions from each other);
        ``numpy_only``: PyTorch is forbidden during its calls (where the client can enforce it)."""
        ...

    def invoke(
        self,
        target: Target,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        timeout: float,
        fresh: bool = False,
    ) -> Any:
        """Call ``target`` with plain-data arguments; return plain data or :class:`Ref`.

        ``fresh``: in a fresh copy of the loaded submission, where nothing earlier calls
        changed (a cache, a counter) remains."""
        ...

    def fetch(self, target: Target, timeout: float) -> Any:
        """Return the value of ``target`` as plain data or :class:`Ref`."""
        ...

    def keep(self, value: Any) -> Ref:
        """Send ``value`` to the student's side and keep it there (to observe mutation)."""
        ...


class Student:
    """Graders call ``student.softmax(Z)``; each call crosses the boundary.

    ``student.call(name, *args, timeout=..., fresh=..., **kwargs)`` does the same
    with a time limit, and with ``fresh=True`` in a fresh copy of the loaded
    submission (what earlier calls left in it is gone); ``student.method(ref, "forward", x)`` calls a method of a kept
    value; ``student.attr(ref, "fc1", "weight")`` reads one.
    """

    def __init__(self, client: StudentClient, timeout: float = DEFAULT_CALL_TIMEOUT) -> None:
        self._client = client
        self.timeout = timeout
        self.answers = 0  # values the student's code has returned to this grader

    @property
    def source(self) -> SubmissionSource:
        return self._client.source

    def has(self, name: str) -> bool:
        return name in self._client.defined()

    def call(
        self, name: str, *args: Any, timeout: float | None = None, fresh: bool = False, **kwargs: Any
    ) -> Any:
        if not self.has(name):
            raise NotImplementedByStudent(name)
        return self._answered(
            self._client.invoke(Target(name=name), args, kwargs, timeout or self.timeout, fresh)
        )

    def method(self, ref: Ref, method: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        target = Target(ref=ref, attrs=(method,))
        return self._answered(self._client.invoke(target, args, kwargs, timeout or self.timeout))

    def attr(self, ref: Ref, *attrs: str) -> Any:
        return self._answered(self._client.fetch(Target(ref=ref, attrs=attrs), self.timeout))

    def run(self, probe: PyFunction, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Run judge-written ``probe`` next to the student's code; it sees their names as ``submission``.

        For what only the student's process can observe (gradients through
        their function, say). A probe is public test code: it must not hold
        expected values.
        """
        return self._answered(self._client.invoke(Target(probe=probe), args, kwargs, timeout or self.timeout))

    def keep(self, value: Any) -> Ref:
        """Keep ``value`` on the student's side: pass the ref to calls, read it back with :meth:`value`."""
        return self._client.keep(value)

    def value(self, ref: Ref) -> Any:
        return self._answered(self._client.fetch(Target(ref=ref), self.timeout))

    def _answered(self, value: Any) -> Any:
        self.answers += 1
        return value

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)
