"""Grading one submission: read it, run it in the sandbox, judge it."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tpgrade import __version__, paths
from tpgrade.judge.plugin import run_graders
from tpgrade.judge.session import SUBMISSION_BUDGET, RemoteStudent
from tpgrade.judge.submission import MAX_BYTES, Program, Rejected, read_program, student_id
from tpgrade.judge.wrongday import wrong_day_note
from tpgrade.models import LoadReport, QuestionResult, SubmissionResult, Timings
from tpgrade.sandbox import Limits, Sandbox


@dataclass(frozen=True)
class GradingConfig:
    day: str
    tests_dir: Path
    sandbox: Sandbox
    grader_version: str
    limits: Limits = field(default_factory=Limits)
    cell_timeout: float = 30.0
    load_budget: float = 300.0
    submission_budget: float = SUBMISSION_BUDGET  # the judge's clock for one submission, load included
    seed: int | None = None
    max_bytes: int = MAX_BYTES
    slot: int = 0  # tells concurrent runners apart (the process sandbox gives each its own uid)
    public_tests_dir: Path | None = None  # also run the public tests (verdicts shown while scores are held)


def grader_version(day: str) -> str:
    """A digest of everything that decides a grade: graders, reference, tpgrade itself."""
    digest = hashlib.sha256(__version__.encode())
    graders = paths.graders_dir(day)
    files = sorted(p for p in graders.rglob("*.py") if "mutants" not in p.relative_to(graders).parts)
    for path in [*files, paths.reference_file(day)]:
        digest.update(str(path.relative_to(paths.course_root())).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _seed(config: GradingConfig, sha256: str) -> int:
    if config.seed is not None:
        return config.seed
    return int(hashlib.sha256(f"{config.grader_version}:{sha256}".encode()).hexdigest()[:8], 16)


def rejected_result(
    config: GradingConfig, path: Path, sha256: str, message: str, student: str | None = None
) -> SubmissionResult:
    return SubmissionResult(
        student=student or student_id(path),
        day=config.day,
        status="rejected",
        message=message,
        source_name=path.name,
        submission_hash=sha256,
        grader_version=config.grader_version,
        sandbox=config.sandbox.name,
        graded_at=_now(),
    )


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def grade_file(path: Path, config: GradingConfig, student: str | None = None) -> SubmissionResult:
    """Grade one handed-in file (``student`` defaults to the file name); every problem of
    the file becomes part of the result."""
    student = student or student_id(path)
    try:
        sha256, program = read_program(path, config.max_bytes)
    except Rejected as rejection:
        return rejected_result(config, path, file_hash(path), str(rejection), student)
    except OSError as exc:
        return rejected_result(config, path, "", f"fichier illisible ({exc.strerror})", student)
    graded = grade_program(student, path.name, sha256, program, config)
    return graded.model_copy(update={"submitted_at": _modified(path)})


def _modified(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")


def explain_missing(
    questions: dict[str, QuestionResult], program: Program, load: LoadReport
) -> dict[str, QuestionResult]:
    """A function "not implemented" because the cell defining it failed says which cell."""
    failed = {issue.index: issue for issue in load.issues if issue.kind != "skipped_shell"}
    explained = dict(questions)
    for name, question in questions.items():
        if question.status != "not_implemented":
            continue
        for cell in program.cells:
            if cell.index in failed and re.search(
                rf"^\s*(def|class)\s+{re.escape(name)}\b", cell.source, re.M
            ):
                issue = failed[cell.index]
                note = f"{name} n'est pas définie : la cellule n° {cell.index + 1} qui la définit a échoué ({issue.message})"
                explained[name] = question.model_copy(update={"message": note})
    return explained


def grade_program(
    student: str, source_name: str, sha256: str, program: Program, config: GradingConfig
) -> SubmissionResult:
    started = time.monotonic()
    seed = _seed(config, sha256)
    remote = RemoteStudent(
        config.sandbox,
        program,
        config.limits,
        config.cell_timeout,
        config.load_budget,
        config.slot,
        config.submission_budget,
    )
    try:
        load = remote.start()
        loaded = time.monotonic()
        questions = run_graders(config.tests_dir, remote, seed)
        public = {} if config.public_tests_dir is None else run_graders(config.public_tests_dir, remote, seed)
    finally:
        remote.close()
    finished = time.monotonic()
    questions = explain_missing(questions, program, load)
    nothing = all(q.status == "not_implemented" for q in questions.values())
    return SubmissionResult(
        message=wrong_day_note(program, config.day) if nothing else "",
        student=student,
        day=config.day,
        status="graded",
        score=sum(q.score for q in questions.values()),
        max_score=sum(q.max_score for q in questions.values()),
        questions=questions,
        public_checks=public,
        source_name=source_name,
        submission_hash=sha256,
        grader_version=config.grader_version,
        sandbox=config.sandbox.name,
        seed=seed,
        load=load,
        timings=Timings(
            load_s=round(loaded - started, 3),
            grade_s=round(finished - loaded, 3),
            total_s=round(finished - started, 3),
        ),
        graded_at=_now(),
    )
