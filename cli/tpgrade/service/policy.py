"""The course's rules for handing in on the service, per day, from the course file (TOML)::

    [service.day2]
    opens = 2026-11-17T09:00:00+01:00    # before: the day's page says when; uploads refused
    closes = 2026-11-27T23:59:00+01:00   # after: uploads refused (the history stays readable)
    uploads_per_hour = 10                # per student and day (else the service's default)
    scores = "on_release"                # or "immediate": hidden scores wait for the release

    [late.day2]                          # the same late policy as ``tpgrade report --course``
    due = 2026-11-20T23:59:00+01:00
    penalty_per_day = 0.1
    max_days = 5

Every time is the server's: a hand-in is on time or late by its receipt's
time, never by a file's. A day without a ``[service.DAY]`` table is open
whenever its graders are, with the scores shown at once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tpgrade.cohort.latepolicy import LatePolicy, load_policy
from tpgrade.errors import InputError
from tpgrade.paths import DAYS

Window = Literal["open", "not_yet", "closed"]


class DayRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    opens: datetime | None = None
    closes: datetime | None = None
    uploads_per_hour: int | None = Field(default=None, ge=1, le=10_000)
    scores: Literal["immediate", "on_release"] = "immediate"

    def window(self, now: datetime) -> Window:
        if self.opens is not None and now < self.opens:
            return "not_yet"
        if self.closes is not None and now >= self.closes:
            return "closed"
        return "open"


@dataclass(frozen=True)
class CourseRules:
    """Each day's hand-in rules and late policy (days not named: no rule)."""

    days: dict[str, DayRules] = field(default_factory=dict)
    late: dict[str, LatePolicy] = field(default_factory=dict)

    def of(self, day: str) -> DayRules:
        return self.days.get(day, DayRules())


def load_course(path: Path) -> CourseRules:
    """The rules in the course file ``path``; every mistake in it is one clear line."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not a readable TOML course file ({exc})") from None
    tables = data.get("service", {})
    if not isinstance(tables, dict):
        raise InputError(f"{path}: [service] must hold one table per day, e.g. [service.day2]")
    days = {}
    for day, table in tables.items():
        if day not in DAYS:
            raise InputError(f"{path}: [service.{day}]: unknown day (one of {', '.join(DAYS)})")
        try:
            rules = DayRules.model_validate(table)
        except ValidationError as exc:
            where = "; ".join(
                f"service.{day}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise InputError(f"{path}: {where}") from None
        for name in ("opens", "closes"):
            moment = getattr(rules, name)
            if moment is not None and moment.tzinfo is None:
                raise InputError(
                    f"{path}: service.{day}.{name} needs a time zone (e.g. 2026-11-20T23:59:00+01:00)"
                )
        if rules.opens and rules.closes and rules.closes <= rules.opens:
            raise InputError(f"{path}: service.{day} closes before it opens")
        days[day] = rules
    late_days = data.get("late", {})
    late = {day: policy for day in late_days if (policy := load_policy(path, day)) is not None}
    for day, policy in late.items():
        closes = days[day].closes if day in days else None
        if closes is not None and closes < policy.due:
            raise InputError(f"{path}: service.{day}.closes is before late.{day}.due: nobody could be late")
    return CourseRules(days, late)


def shown_time(moment: datetime) -> str:
    """A rule's time as the course file gives it (its own time zone), for a French sentence."""
    return (
        moment.strftime("%d/%m/%Y à %H:%M") + f" (UTC{moment.strftime('%z')[:3]}:{moment.strftime('%z')[3:]})"
    )


def store_rules(db: psycopg.Connection[Any], course: CourseRules) -> None:
    """Make ``course`` the deployment's rules (every web process reads them from here)."""
    db.execute(b"DELETE FROM day_rules")
    for day in sorted(set(course.days) | set(course.late)):
        late = course.late.get(day)
        db.execute(
            b"INSERT INTO day_rules VALUES (%s, %s, %s)",
            (
                day,
                Jsonb(course.of(day).model_dump(mode="json")),
                None if late is None else Jsonb(late.model_dump(mode="json")),
            ),
        )


def rules_of(db: psycopg.Connection[Any], day: str) -> tuple[DayRules, LatePolicy | None]:
    """``day``'s hand-in rules and late policy (none: open, shown at once, never late)."""
    row = db.execute(b"SELECT rules, late FROM day_rules WHERE day = %s", (day,)).fetchone()
    if row is None:
        return DayRules(), None
    rules, late = row
    return DayRules.model_validate(rules), None if late is None else LatePolicy.model_validate(late)


def rules_said(rules: DayRules, late: LatePolicy | None, now: datetime) -> list[str]:
    """The day's rules in French sentences, for its page."""
    said = []
    if rules.opens is not None and now < rules.opens:
        said.append(f"Le rendu ouvre le {shown_time(rules.opens)}.")
    if rules.closes is not None:
        tense = "a fermé" if now >= rules.closes else "ferme"
        said.append(f"Le rendu {tense} le {shown_time(rules.closes)}.")
    if late is not None:
        penalty = f"{late.penalty_per_day * 100:g} % de la note maximale par jour de retard commencé"
        said.append(
            f"À rendre avant le {shown_time(late.due)} (heure de réception par le serveur) ; ensuite "
            f"{penalty}, note nulle après {late.max_days} jour(s)."
        )
    if rules.uploads_per_hour is not None:
        said.append(f"Au plus {rules.uploads_per_hour} rendus par heure.")
    if rules.scores == "on_release":
        said.append(
            "La note est publiée par l'enseignant après la date limite ; en attendant vous voyez le "
            "verdict des tests publics."
        )
    return said
