"""Where the course material lives: assignments, references and graders."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tpgrade.errors import UsageError

DAYS = ("day1", "day2", "day3", "day4", "day5")
PACKAGE_DIR = Path(__file__).resolve().parent


def course_root() -> Path:
    """The folder holding ``assignments/``, ``reference/`` and ``graders/``.

    ``TPGRADE_COURSE`` overrides it; by default it is the checkout the package
    was installed from.
    """
    configured = os.environ.get("TPGRADE_COURSE")
    root = Path(configured).resolve() if configured else PACKAGE_DIR.parents[1]
    if not (root / "assignments").is_dir():
        raise UsageError(
            f"no course material in {root} (no assignments/ folder); "
            "set TPGRADE_COURSE to the folder that holds assignments/, reference/ and graders/"
        )
    return root


def check_day(day: str) -> str:
    if day not in DAYS:
        raise UsageError(f"unknown day {day!r}: write one of {', '.join(DAYS)}")
    return day


def graders_dir(day: str) -> Path:
    return course_root() / "graders" / check_day(day)


BUNDLE_TESTS = "tests_publics"  # a student bundle's public tests: tests_publics/day2/


def public_tests_dir(day: str, near: Path | None = None) -> Path:
    """The day's public tests: those of a student bundle (``tests_publics/DAY`` beside
    ``near`` or in the current folder) unless ``TPGRADE_COURSE`` names a course, else the
    course's own."""
    day = check_day(day)
    if not os.environ.get("TPGRADE_COURSE"):
        for folder in dict.fromkeys([*([near] if near is not None else []), Path.cwd()]):
            bundled = folder / BUNDLE_TESTS / day
            if bundled.is_dir():
                return bundled
    try:
        return course_public_tests_dir(day)
    except UsageError:
        raise UsageError(
            f"les tests publics de {day} sont introuvables : lancez la vérification depuis le dossier"
            f" du TP, celui qui contient {BUNDLE_TESTS}/ (voir LISEZMOI.md)"
        ) from None


def course_public_tests_dir(day: str) -> Path:
    """The course's own public tests of ``day`` (what a worker runs; never a student's copy)."""
    return course_root() / "assignments" / check_day(day) / "public_tests"


def reference_file(day: str) -> Path:
    return course_root() / "reference" / check_day(day) / "solution.py"


def stub_notebook(day: str) -> Path:
    return course_root() / "assignments" / check_day(day) / f"tp_{check_day(day)}.ipynb"


ALWAYS_PRELOADED = ("numpy",)  # every day's runners use it


def preloaded_libraries(*days: str) -> tuple[str, ...]:
    """The heavy libraries worth importing once for runners of these days (numpy, and torch
    when a day's reference uses it)."""
    uses_torch = any(
        re.search(r"^\s*(import|from)\s+torch\b", reference_file(day).read_text(encoding="utf-8"), re.M)
        for day in days
        if reference_file(day).is_file()
    )
    # torch._dynamo: imported by the first optimizer of every process otherwise.
    return (*ALWAYS_PRELOADED, "torch", "torch._dynamo") if uses_torch else ALWAYS_PRELOADED


def mutants_dir(day: str) -> Path:
    return graders_dir(day) / "mutants"
