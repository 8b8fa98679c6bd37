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


def public_tests_dir(day: str) -> Path:
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
