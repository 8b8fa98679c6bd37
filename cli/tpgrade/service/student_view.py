"""What a student sees of their own hand-ins, and how an upload is received: ownership on
every lookup, the day's window and limits, scores held or shown with the adjustments and the
late policy applied. The routes in :mod:`tpgrade.service.web` are thin over these."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from tpgrade.cluster.jobs import JobOptions
from tpgrade.cohort.adjustments import apply_adjustments
from tpgrade.cohort.latepolicy import apply_policy, late_days
from tpgrade.service.accounts import Account
from tpgrade.service.context import ApiAccount, PageAccount, Service
from tpgrade.service.handin import NotReady, hand_in
from tpgrade.service.instructor import scores_visible
from tpgrade.service.policy import Window, rules_of, rules_said, shown_time
from tpgrade.service.status import HandIn, hand_in_of, history


def waiting_text(item: HandIn) -> str:
    """Where a pending hand-in stands, in one French sentence (the page and its live updates)."""
    if item.state == "running":
        about = f" (environ {round(item.estimate_s)} s)" if item.estimate_s else ""
        return f"Correction en cours{about}."
    ahead = f"{item.position} rendu(s) avant le vôtre." if item.position else "Le vôtre est le prochain."
    about = f" Retour estimé dans {round(item.estimate_s)} s environ." if item.estimate_s else ""
    return ahead + about


def owned_page(request: Request, submission_id: str, account: PageAccount) -> HandIn:
    return owned_hand_in(request.app.state.service, account, submission_id)


def owned_api(request: Request, submission_id: str, account: ApiAccount) -> HandIn:
    return owned_hand_in(request.app.state.service, account, submission_id)


OwnedPage = Annotated[HandIn, Depends(owned_page)]
OwnedApi = Annotated[HandIn, Depends(owned_api)]


def address_allowed(service: Service, request: Request) -> None:
    """Refuse an upload before its body is read when its address sends too many."""
    if not service.upload_allowed(request.client.host if request.client else "-"):
        raise HTTPException(429, "Trop d'envois depuis cette adresse : attendez une minute.")


def require_open(service: Service, day: str) -> None:
    if day not in service.open_days():
        raise HTTPException(404, "Ce TP n'est pas ouvert au rendu.")


def day_window(service: Service, day: str) -> tuple[Window, list[str]]:
    """Whether ``day`` takes hand-ins now, and its rules in French."""
    rules, late = service.run(lambda db: rules_of(db, day), "read the day's rules")
    now = datetime.now(UTC)
    return rules.window(now), rules_said(rules, late, now)


def owned_hand_in(service: Service, account: Account, submission_id: str) -> HandIn:
    item = service.run(lambda db: hand_in_of(db, account.id, submission_id), "read the submission")
    if item is None:
        raise HTTPException(404, "Rendu introuvable.")
    return as_shown(service, [item])[0]


def own_hand_ins(service: Service, account: Account, day: str | None = None) -> list[HandIn]:
    return as_shown(service, service.run(lambda db: history(db, account.id, day), "read the submissions"))


def as_shown(service: Service, items: list[HandIn]) -> list[HandIn]:
    """What the student may see: how late each hand-in is; scores held until the day is
    released; the instructor's adjustments of that very submission and the late penalty applied."""
    days = {item.day for item in items}
    graded = {item.day for item in items if item.state == "graded" and item.result is not None}
    with service.pool.borrow() as store:
        late = {day: store.atomically(partial(rules_of, day=day), "read")[1] for day in days}
        visible = {day: store.atomically(partial(scores_visible, day=day), "read") for day in graded}
        adjustments = {day: store.adjustments(day) for day in graded if visible[day]}
    shown = []
    for item in items:
        policy = late[item.day]
        item = replace(item, days_late=late_days(item.received_at, policy))
        if item.state != "graded" or item.result is None:
            shown.append(item)
        elif not visible[item.day]:
            public = {name: check.status for name, check in item.result.public_checks.items()}
            shown.append(replace(item, result=None, held=True, public=public))
        else:
            mine = [
                a
                for a in adjustments[item.day]
                if a.student == item.student and a.submission_hash == item.sha256
            ]
            (result,), _ = apply_adjustments([item.result], mine)
            if policy is not None:
                (result,) = apply_policy([result], policy)
            shown.append(replace(item, result=result))
    return shown


def receive(service: Service, account: Account, day: str, file_name: str, content: bytes) -> HandIn:
    """Store, queue and sign one upload, within the account's hourly allowance."""
    if account.role != "student" or account.student is None:
        raise HTTPException(403, "Seuls les étudiants rendent un TP.")
    require_open(service, day)
    now = datetime.now(UTC)
    rules, _ = service.run(lambda db: rules_of(db, day), "read the day's rules")
    if rules.window(now) == "not_yet":
        assert rules.opens is not None
        raise HTTPException(
            403, f"Le rendu du TP {day} n'est pas encore ouvert : il ouvre le {shown_time(rules.opens)}."
        )
    if rules.window(now) == "closed":
        assert rules.closes is not None
        raise HTTPException(403, f"Le rendu du TP {day} est fermé depuis le {shown_time(rules.closes)}.")
    recent = service.run(
        lambda db: db.execute(
            b"SELECT count(*) FROM web_submissions WHERE account = %s AND day = %s "
            b"AND received_at > now() - interval '1 hour'",
            (account.id, day),
        ).fetchone(),
        "count the recent uploads",
    )
    limit = rules.uploads_per_hour or service.config.uploads_per_hour
    if recent is not None and int(recent[0]) >= limit:
        raise HTTPException(
            429, f"Limite atteinte : {limit} rendus par heure pour ce TP. Réessayez plus tard."
        )
    with service.pool.borrow() as store:
        held = not store.atomically(partial(scores_visible, day=day), "read the day's release")
        try:
            done = hand_in(
                store,
                service.queue,
                account,
                day,
                file_name,
                content,
                service.signing_key,
                service.config.kind,
                JobOptions(public_checks=held),  # the verdicts a student sees while scores are held
            )
        except NotReady:
            raise HTTPException(
                503, "Aucun correcteur n'est prêt pour ce TP : réessayez dans une minute."
            ) from None
    item = service.run(lambda db: hand_in_of(db, account.id, done.receipt.id), "read the submission")
    assert item is not None
    return item
