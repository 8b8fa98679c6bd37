"""Grading a set of handed-in files, resumably, through the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tpgrade.engine import GradingConfig, file_hash, grade_file, rejected_result
from tpgrade.errors import InputError, TpgradeError
from tpgrade.models import SubmissionResult
from tpgrade.store import Store
from tpgrade.submission import student_id


@dataclass(frozen=True)
class Outcome:
    result: SubmissionResult
    cached: bool


def collect(paths: list[Path]) -> list[Path]:
    """The files to grade: files as given, and the visible files directly in folders."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    if not files:
        raise InputError("nothing to grade: the folders given contain no file")
    return files


def split_duplicates(files: list[Path]) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """One file per student: the most recently modified wins; the others are returned with it."""
    by_student: dict[str, list[Path]] = {}
    for path in files:
        by_student.setdefault(student_id(path), []).append(path)
    kept: list[Path] = []
    dropped: list[tuple[Path, Path]] = []
    for candidates in by_student.values():
        candidates.sort(key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
        kept.append(candidates[0])
        dropped.extend((other, candidates[0]) for other in candidates[1:])
    return sorted(kept, key=student_id), dropped


def _grade_one(path: Path, config: GradingConfig, store: Store) -> Outcome:
    """Grade and store one file. A fault of tpgrade itself on this file is reported, not
    stored (a later run tries again), and does not stop the batch."""
    try:
        result = grade_file(path, config)
    except TpgradeError:
        raise  # the graders or the sandbox are unusable: every file would fail alike
    except Exception as exc:
        message = f"erreur interne du correcteur ({type(exc).__name__}: {exc})"
        error = rejected_result(config, path, "", message).model_copy(update={"status": "error"})
        return Outcome(error, cached=False)
    store.save(result)
    return Outcome(result, cached=False)


def grade_all(
    files: list[Path],
    config: GradingConfig,
    store: Store,
    on_done: Callable[[Outcome], None] = lambda outcome: None,
    regrade: bool = False,
) -> list[Outcome]:
    """Grade every file not graded yet with these graders; each result is stored at once."""
    kept, dropped = split_duplicates(files)
    outcomes: list[Outcome] = []
    for path, winner in dropped:
        result = rejected_result(
            config, path, "", f"autre fichier du même étudiant : seul {winner.name} (le plus récent) est noté"
        )
        outcomes.append(Outcome(result, cached=False))
        on_done(outcomes[-1])
    for path in kept:
        cached = (
            None
            if regrade
            else store.find(config.day, student_id(path), file_hash(path), config.grader_version)
        )
        if cached is not None:
            store.mark_latest(cached)
            outcome = Outcome(cached, cached=True)
        else:
            outcome = _grade_one(path, config, store)
        outcomes.append(outcome)
        on_done(outcome)
    return outcomes
