"""Public checks: what a student runs on their own work before handing it in."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from tpgrade import paths
from tpgrade.errors import InputError
from tpgrade.judge.engine import GradingConfig, grade_file
from tpgrade.judge.local import LocalStudent
from tpgrade.judge.plugin import run_graders
from tpgrade.judge.sourcecheck import SubmissionSource
from tpgrade.models import QuestionResult, SubmissionResult
from tpgrade.sandbox import Sandbox
from tpgrade.statuses import question_label


def check_file(day: str, path: Path, sandbox: Sandbox) -> SubmissionResult:
    """Run the public tests of ``day`` on a notebook or ``.py`` file."""
    if not path.is_file():
        raise InputError(f"{path} : fichier introuvable")
    config = GradingConfig(
        day=day,
        tests_dir=paths.public_tests_dir(day, near=path.resolve().parent),
        sandbox=sandbox,
        grader_version="public",
        seed=0,
    )
    return grade_file(path, config)


def check_in_process(day: str, path: Path) -> SubmissionResult:
    """:func:`check_file` in a plain process (the student's own code on their own machine)."""
    from tpgrade.sandbox.none import NoSandbox

    backend = NoSandbox()
    try:
        return check_file(day, path, backend)
    finally:
        backend.close()


def check_namespace(day: str, namespace: dict[str, Any]) -> dict[str, QuestionResult]:
    """Run the public tests of ``day`` on functions defined in ``namespace`` (a live notebook)."""
    history = namespace.get("In")
    if isinstance(history, list) and all(isinstance(cell, str) for cell in history):
        cells = tuple(history)
    else:
        cells = tuple(_source_of(value) for value in list(namespace.values()))
    client = LocalStudent(namespace, SubmissionSource(cells))
    return run_graders(paths.public_tests_dir(day), client, seed=0)


def _source_of(value: Any) -> str:
    if not (inspect.isfunction(value) or inspect.isclass(value)):
        return ""
    try:
        return inspect.getsource(value)
    except (OSError, TypeError):
        return ""


def verdict_lines(questions: dict[str, QuestionResult]) -> list[str]:
    """One line per question, in French."""
    lines = []
    for question in questions.values():
        mark = "✔" if question.status == "passed" else "✘"
        label = question_label(question.status)
        said = question.message in ("", label, f"{question.name} : {label}")  # nothing the label does not say
        detail = "" if said else f" — {question.message}"
        lines.append(f"{mark} {question.name} : {label}{detail}")
    return lines


def all_passed(questions: dict[str, QuestionResult]) -> bool:
    return bool(questions) and all(q.status == "passed" for q in questions.values())
