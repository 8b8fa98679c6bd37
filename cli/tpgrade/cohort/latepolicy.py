"""The course's late policy, applied when reports are rendered.

A small TOML file, one table per day::

    [late.day2]
    due = 2026-11-20T23:59:00+01:00   # with its time zone
    penalty_per_day = 0.1             # share of the maximum score, per day or part of a day
    max_days = 5                      # later than this: zero

The hand-in time is the submission file's modification time, which a
Moodle export keeps (the service sets it to the receipt's time). Results
graded before this time was recorded are left as they are.
"""

from __future__ import annotations

import math
import tomllib
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tpgrade.errors import InputError
from tpgrade.models import SubmissionResult


class LatePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    due: datetime
    penalty_per_day: float = Field(ge=0.0, le=1.0)
    max_days: int = Field(default=7, ge=0)


def load_policy(path: Path, day: str) -> LatePolicy | None:
    """The late policy of ``day`` in the course file, or None when it has none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not a readable TOML course file ({exc})") from None
    section = data.get("late", {}).get(day)
    if section is None:
        return None
    try:
        policy = LatePolicy.model_validate(section)
    except ValidationError as exc:
        where = "; ".join(f"late.{day}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(f"{path}: {where}") from None
    if policy.due.tzinfo is None:
        raise InputError(f"{path}: late.{day}.due needs a time zone (e.g. 2026-11-20T23:59:00+01:00)")
    return policy


def days_late(result: SubmissionResult, policy: LatePolicy) -> int:
    if not result.submitted_at:
        return 0
    return late_days(datetime.fromisoformat(result.submitted_at), policy)


def late_days(moment: datetime, policy: LatePolicy | None) -> int:
    """Days, or parts of a day, from the due time to ``moment`` (0 when on time)."""
    if policy is None:
        return 0
    return max(0, math.ceil((moment - policy.due).total_seconds() / 86400))


def apply_policy(results: list[SubmissionResult], policy: LatePolicy) -> list[SubmissionResult]:
    """Results with the late penalty taken off the score and said in the message."""
    applied = []
    for result in results:
        late = days_late(result, policy) if result.status == "graded" else 0
        if late == 0:
            applied.append(result)
            continue
        share = 1.0 if late > policy.max_days else min(1.0, late * policy.penalty_per_day)
        penalty = round(min(result.score, share * result.max_score), 2)
        note = f"rendu avec {late} jour(s) de retard : −{penalty:g} point(s)"
        message = f"{result.message} ; {note}" if result.message else note
        applied.append(
            result.model_copy(
                update={"score": result.score - penalty, "late_penalty": penalty, "message": message}
            )
        )
    return applied
