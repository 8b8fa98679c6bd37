"""The late policy: penalties per started day, zero beyond the limit, clear errors in the course file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tpgrade.cohort.latepolicy import apply_policy, load_policy
from tpgrade.errors import InputError
from tpgrade.models import SubmissionResult
from tpgrade.reports.feedback import feedback_markdown

COURSE = """
[late.day2]
due = 2026-11-20T23:59:00+01:00
penalty_per_day = 0.1
max_days = 3
"""


def result(student: str, submitted_at: str, score: float = 18.0) -> SubmissionResult:
    return SubmissionResult(
        student=student, day="day2", status="graded", score=score, max_score=20.0, submitted_at=submitted_at
    )


def test_penalty_per_started_day_and_zero_beyond_the_limit(tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(COURSE)
    policy = load_policy(course, "day2")
    assert policy is not None and load_policy(course, "day3") is None
    on_time, one_hour, two_days, late_week, unknown = apply_policy(
        [
            result("a", "2026-11-20T22:00:00+00:00"),  # 23:00 in UTC+1: on time
            result("b", "2026-11-20T23:59:00+00:00"),  # an hour late: one started day
            result("c", "2026-11-22T12:00:00+00:00"),
            result("d", "2026-11-28T12:00:00+00:00"),
            result("e", ""),
        ],
        policy,
    )
    assert on_time.score == 18 and on_time.late_penalty == 0
    assert one_hour.score == 16 and one_hour.late_penalty == 2
    assert two_days.score == 14 and "2 jour(s) de retard" in two_days.message  # 37 hours late
    assert late_week.score == 0
    assert unknown.score == 18
    assert "Pénalité de retard" in feedback_markdown(one_hour, "day2")


def test_course_file_errors_name_the_field(tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text("[late.day2]\ndue = 2026-11-20T23:59:00+01:00\npenalty_per_day = 2\n")
    with pytest.raises(InputError, match=r"late\.day2\.penalty_per_day"):
        load_policy(course, "day2")
    course.write_text("[late.day2]\ndue = 2026-11-20T23:59:00\npenalty_per_day = 0.1\n")
    with pytest.raises(InputError, match="time zone"):
        load_policy(course, "day2")
    course.write_text("[late.day2\n")
    with pytest.raises(InputError, match="not a readable TOML"):
        load_policy(course, "day2")
