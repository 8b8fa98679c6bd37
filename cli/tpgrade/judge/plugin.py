"""The judge: runs a folder of pytest graders against one submission.

Graders talk to the submission only through the ``student`` fixture, so the
judge process never executes student code. Each test's outcome becomes a
:class:`TestResult`; tests are summed per question.
"""

from __future__ import annotations

import contextlib
import io
import zlib
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tpgrade import messages as msg
from tpgrade.errors import TpgradeError
from tpgrade.grader import Fail
from tpgrade.judge.student import (
    DEFAULT_CALL_TIMEOUT,
    ForbiddenCode,
    NotImplementedByStudent,
    Student,
    StudentClient,
    StudentFault,
)
from tpgrade.models import QuestionResult, QuestionStatus, TestResult
from tpgrade.statuses import MOST_TELLING_FIRST

INI_FILE = Path(__file__).with_name("judge_pytest.ini")
# What a value of an unforeseen type or shape makes the graders' own code raise.
STUDENT_DATA_ERRORS = (
    TypeError,
    ValueError,
    LookupError,
    ArithmeticError,
    AttributeError,
    MemoryError,
    RecursionError,
)


class GradersBroken(TpgradeError):
    """The graders themselves could not run (an instructor's problem)."""


def _marker(item: pytest.Item) -> dict[str, Any]:
    mark = item.get_closest_marker("question")
    if mark is None or not mark.args:
        raise GradersBroken(f"{item.nodeid}: a grader test needs @question(name, points=...)")
    return {"name": mark.args[0], **mark.kwargs}


class GradingPlugin:
    """Provides the fixtures to graders and records the outcome of each test."""

    def __init__(self, client: StudentClient, seed: int) -> None:
        self.client = client
        self.seed = seed
        self.results: dict[str, TestResult] = {}
        self.order: list[pytest.Item] = []
        self.internal_errors: list[str] = []
        self._gate: dict[str, StudentFault | None] = {}
        self._students: dict[str, Student] = {}

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line(
            "markers", "question(name, points=1, numpy_only=False, forbid=(), timeout=None): a graded test"
        )

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.order = list(items)

    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> Student:
        spec = _marker(request.node)
        self.client.enter_question(str(spec["name"]), numpy_only=bool(spec.get("numpy_only")))
        student = Student(self.client, timeout=float(spec.get("timeout") or DEFAULT_CALL_TIMEOUT))
        self._students[request.node.nodeid] = student
        return student

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(request.node.nodeid.encode())])

    def _gate_for(self, item: pytest.Item) -> StudentFault | None:
        """Checks made once per question before any call: defined, source rules."""
        spec = _marker(item)
        name = spec["name"]
        if name not in self._gate:
            fault: StudentFault | None = None
            if name not in self.client.defined():
                fault = NotImplementedByStudent(name)
            elif spec.get("numpy_only"):
                problems = self.client.source.numpy_only_violations(name)
                if problems:
                    fault = ForbiddenCode(msg.NUMPY_ONLY(name=name, detail="; ".join(problems[:3])))
            if fault is None and spec.get("forbid"):
                problems = self.client.source.forbidden_name_violations(name, tuple(spec["forbid"]))
                if problems:
                    fault = ForbiddenCode(msg.FORBIDDEN_NAMES(name=name, detail="; ".join(problems[:3])))
            self._gate[name] = fault
        return self._gate[name]

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        fault = self._gate_for(item)
        if fault is not None:
            raise fault

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.when == "teardown" or (item.nodeid in self.results and call.when != "call"):
            return report
        spec = _marker(item)
        points = float(spec.get("points", 1.0))
        if call.excinfo is None:
            if call.when == "call":
                self._record(item, spec, "passed", points, "")
            return report
        error = call.excinfo.value
        status, message = self._classify(item, error)
        self._record(item, spec, status, 0.0, message)
        if isinstance(error, StudentFault) and status in ("timed_out", "crashed", "forbidden"):
            # The other tests of this question would only wait or crash again; PyTorch
            # used at run time in a NumPy-only question forfeits all of it.
            self._gate[spec["name"]] = error
        return report

    def _record(
        self, item: pytest.Item, spec: dict[str, Any], status: QuestionStatus, points: float, message: str
    ) -> None:
        self.results[item.nodeid] = TestResult(
            name=item.name,
            question=spec["name"],
            points=points,
            max_points=float(spec.get("points", 1.0)),
            status=status,
            message=message,
            to_do=msg.to_do_of(message),
        )

    def _classify(self, item: pytest.Item, error: BaseException) -> tuple[QuestionStatus, str]:
        if isinstance(error, NotImplementedByStudent):
            # Named after the question, even when the stub was reached through a probe.
            return error.status, msg.NOT_IMPLEMENTED(name=_marker(item)["name"])
        if isinstance(error, StudentFault):
            return error.status, error.message
        if isinstance(error, Fail):
            said = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
            return "failed", said  # a message of the catalogue keeps its "what to do"
        if isinstance(error, AssertionError):
            return "failed", msg.WRONG_RESULT()
        student = self._students.get(item.nodeid)
        if isinstance(error, STUDENT_DATA_ERRORS) and student is not None and student.answers:
            # The graders check what they use (expect_*); what still breaks them after the
            # student's code answered is a value of a shape they did not foresee: the
            # student's, not the graders' fault (the references and mutants prove the graders).
            return "invalid_output", msg.GRADER_COULD_NOT_USE(error_type=type(error).__name__)
        self.internal_errors.append(f"{item.nodeid}: {type(error).__name__}: {error}")
        return "grader_error", msg.GRADER_FAILED(error_type=type(error).__name__)

    def question_results(self) -> dict[str, QuestionResult]:
        grouped: dict[str, list[TestResult]] = {}
        for item in self.order:
            spec = _marker(item)
            result = self.results.get(item.nodeid) or TestResult(
                name=item.name,
                question=spec["name"],
                points=0.0,
                max_points=float(spec.get("points", 1.0)),
                status="grader_error",
                message=msg.TEST_NOT_RUN(),
                to_do=msg.TEST_NOT_RUN.to_do,
            )
            grouped.setdefault(spec["name"], []).append(result)
        return {name: summarise(name, tests) for name, tests in grouped.items()}


def summarise(name: str, tests: list[TestResult]) -> QuestionResult:
    forbidden = next((test for test in tests if test.status == "forbidden"), None)
    if forbidden is not None:
        # A rule broken in one test (PyTorch at run time) costs the tests that passed before it.
        tests = [
            test
            if test.status != "passed"
            else test.model_copy(
                update={
                    "points": 0.0,
                    "status": "forbidden",
                    "message": forbidden.message,
                    "to_do": forbidden.to_do,
                }
            )
            for test in tests
        ]
    score = sum(test.points for test in tests)
    max_score = sum(test.max_points for test in tests)
    failing = [test for test in tests if test.status != "passed"]
    if not failing:
        return QuestionResult(name=name, score=score, max_score=max_score, status="passed", tests=tests)
    failing.sort(key=lambda test: MOST_TELLING_FIRST.index(test.status))
    worst = failing[0]
    status: QuestionStatus = worst.status
    if status in ("failed", "error") and score > 0:
        status = "partial"
    more = f" (et {len(failing) - 1} autre(s) test(s) en échec)" if len(failing) > 1 else ""
    return QuestionResult(
        name=name,
        score=score,
        max_score=max_score,
        status=status,
        message=worst.message + more,
        to_do=worst.to_do,
        tests=tests,
    )


def run_graders(tests_dir: Path, client: StudentClient, seed: int) -> dict[str, QuestionResult]:
    """Run every grader under ``tests_dir`` against ``client``; results per question."""
    plugin = GradingPlugin(client, seed)
    args = [
        str(tests_dir),
        "-c",
        str(INI_FILE),
        "--rootdir",
        str(tests_dir),
        "--noconftest",
        "--import-mode=importlib",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:terminal",
        "-p",
        "no:stepwise",
        # These two call gc.collect() several times per session: about a second with torch loaded.
        "-p",
        "no:unraisableexception",
        "-p",
        "no:threadexception",
        "-W",
        "ignore",
    ]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = pytest.main(args, plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not plugin.order:
        raise GradersBroken(
            f"the graders in {tests_dir} did not run (pytest exit {code}): {err.getvalue()[-400:]}"
        )
    return plugin.question_results()
