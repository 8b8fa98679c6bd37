"""Validating a day's grading material: the tests of the tests.

For a day: the reference gets full marks, the untouched stub gets zero on
every question, each mutant (``graders/DAY/mutants/QUESTION__VARIANT.py``,
definitions appended to the reference) loses points on the question it
targets and on no other, and the stub notebook runs top to bottom.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tpgrade import paths
from tpgrade.cohort.batch import SandboxSpec, grade_all
from tpgrade.cohort.sqlite_store import SqliteStore
from tpgrade.judge.engine import GradingConfig, grade_file, grade_program, grader_version
from tpgrade.judge.submission import program_from_source, source_hash
from tpgrade.models import SubmissionResult
from tpgrade.sandbox import Sandbox

NOTEBOOK_TIMEOUT = 600


@dataclass(frozen=True)
class Finding:
    day: str
    subject: str
    ok: bool
    detail: str


def mutant_target(path: Path) -> str:
    return path.stem.split("__")[0]


def _full_marks(result: SubmissionResult) -> list[str]:
    return [
        f"{q.name} {q.score:g}/{q.max_score:g} ({q.message})"
        for q in result.questions.values()
        if q.score < q.max_score
    ]


def _grade_source(source: str, name: str, config: GradingConfig) -> SubmissionResult:
    return grade_program(name, f"{name}.py", source_hash(source), program_from_source(source), config)


def check_reference(day: str, config: GradingConfig) -> tuple[Finding, SubmissionResult]:
    result = _grade_source(paths.reference_file(day).read_text(encoding="utf-8"), "reference", config)
    missing = _full_marks(result)
    detail = f"{result.score:g}/{result.max_score:g}" + (f"; short: {'; '.join(missing)}" if missing else "")
    return Finding(day, "reference gets full marks", not missing and bool(result.questions), detail), result


def check_stub(day: str, config: GradingConfig) -> Finding:
    result = grade_file(paths.stub_notebook(day), config)
    scored = [f"{q.name} {q.score:g}" for q in result.questions.values() if q.score > 0]
    ok = result.status == "graded" and not scored
    detail = f"{result.score:g}/{result.max_score:g}" + (f"; scores on {', '.join(scored)}" if scored else "")
    return Finding(day, "stub gets zero", ok, detail or result.message)


def mutant_source(day: str, path: Path) -> str:
    return paths.reference_file(day).read_text(encoding="utf-8") + "\n\n" + path.read_text(encoding="utf-8")


def check_mutant(day: str, path: Path, reference: SubmissionResult, config: GradingConfig) -> Finding:
    return judge_mutant(day, path, reference, _grade_source(mutant_source(day, path), path.stem, config))


def judge_mutant(
    day: str, path: Path, reference: SubmissionResult, result: SubmissionResult | None
) -> Finding:
    """Whether a mutant's grading lost points on its question, and on no other."""
    target = mutant_target(path)
    subject = f"mutant {path.stem}"
    if target not in reference.questions:
        return Finding(day, subject, False, f"targets unknown question {target!r}")
    if result is None:
        return Finding(day, subject, False, "no result")
    question = result.questions.get(target)
    caught = question is not None and question.score < question.max_score
    collateral = [name for name in _full_marks(result) if not name.startswith(f"{target} ")]
    detail = (
        f"{target}: {question.score:g}/{question.max_score:g}" if question else result.message or "no result"
    )
    if collateral:
        detail += f"; also loses {'; '.join(collateral)}"
    return Finding(day, subject, caught and not collateral, detail)


def _graded_in_parallel(
    day: str, mutants: list[Path], config: GradingConfig, spec: SandboxSpec, workers: int
) -> dict[str, SubmissionResult]:
    """Each mutant graded as a file by ``workers`` processes with sandboxes of their own."""
    with tempfile.TemporaryDirectory(prefix="tpgrade-validate-") as folder:
        files = []
        for path in mutants:
            file = Path(folder) / f"{path.stem}.py"
            file.write_text(mutant_source(day, path), encoding="utf-8")
            files.append(file)
        hidden = SandboxSpec(
            spec.name, (*spec.hidden, Path(folder)), spec.allow_none, spec.device, spec.image, spec.preload
        )
        store = SqliteStore(Path(folder) / "validate.sqlite")
        try:
            outcomes = grade_all(files, config, store, workers=workers, spec=hidden)
        finally:
            store.close()
    return {outcome.result.student: outcome.result for outcome in outcomes}


def check_notebook_runs(day: str) -> Finding:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook = nbformat.read(paths.stub_notebook(day), as_version=4)  # type: ignore[no-untyped-call]
    with tempfile.TemporaryDirectory(prefix="tpgrade-validate-") as folder:
        client = NotebookClient(
            notebook,
            timeout=NOTEBOOK_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": folder}},
        )
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            first = str(exc).strip().splitlines()[-1:] or [type(exc).__name__]
            return Finding(day, "stub notebook runs clean", False, first[0][:300])
    return Finding(day, "stub notebook runs clean", True, f"{len(notebook.cells)} cells")


def validate_day(
    day: str,
    sandbox: Sandbox,
    on_finding: Callable[[Finding], None] = lambda finding: None,
    run_notebook: bool = True,
    spec: SandboxSpec | None = None,
    workers: int = 1,
) -> list[Finding]:
    """Every check of ``day``; with ``workers`` > 1 (and the ``spec`` of their sandboxes) the
    mutants are graded that many at a time."""
    config = GradingConfig(
        day=day, tests_dir=paths.graders_dir(day), sandbox=sandbox, grader_version=grader_version(day)
    )
    findings: list[Finding] = []

    def note(finding: Finding) -> None:
        findings.append(finding)
        on_finding(finding)

    finding, reference = check_reference(day, config)
    note(finding)
    note(check_stub(day, config))
    mutants = sorted(paths.mutants_dir(day).glob("*.py"))
    targets = {mutant_target(path) for path in mutants}
    for name in reference.questions:
        count = sum(mutant_target(path) == name for path in mutants)
        note(Finding(day, f"mutants for {name}", count >= 2, f"{count} written"))
    if workers > 1 and spec is not None and len(mutants) > 1:
        graded = _graded_in_parallel(day, mutants, config, spec, workers)
        for path in mutants:
            note(judge_mutant(day, path, reference, graded.get(path.stem)))
    else:
        for path in mutants:
            note(check_mutant(day, path, reference, config))
    unknown = targets - set(reference.questions)
    if unknown:
        note(Finding(day, "mutant targets", False, f"unknown questions: {sorted(unknown)}"))
    if run_notebook:
        note(check_notebook_runs(day))
    return findings


def available_days() -> list[str]:
    return [day for day in paths.DAYS if paths.graders_dir(day).is_dir()]
