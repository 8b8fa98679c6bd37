"""Who a launch is: the platform's user (issuer and ``sub``) as a tpgrade account, and where
that user's score of the day goes back.

The first launch creates the account, with the name and email of the claims
(a student is named as in the rest of tpgrade: the full name, told apart by
the email when taken), or joins the account of the same role and email made
from a roster, so the two ways in meet. An LTI account has a login token like
any other, never shown: revoking it (``tpgrade roster revoke``) ends its
sessions.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import Any

import psycopg

from tpgrade.service.accounts import Account, new_token, token_hash
from tpgrade.service.lti.launch import Launch

_COLUMNS = b"SELECT a.id, a.role, a.student, a.email, a.name FROM accounts a "


def _account(row: tuple[Any, ...]) -> Account:
    return Account(str(row[0]), str(row[1]), row[2], str(row[3]), str(row[4]))


def account_of(db: psycopg.Connection[Any], launch: Launch) -> tuple[Account, str]:
    """The launch's account and the hash of its (hidden) token, made on the first launch."""
    issuer, sub = launch.platform.issuer, launch.sub
    row = db.execute(
        _COLUMNS + b"JOIN lti_users u ON u.account = a.id WHERE u.issuer = %s AND u.sub = %s", (issuer, sub)
    ).fetchone()
    account = _account(row) if row else _joined_or_new(db, launch)
    if row is None:
        db.execute(b"INSERT INTO lti_users VALUES (%s, %s, %s)", (issuer, sub, account.id))
    live = db.execute(
        b"SELECT token_hash FROM account_tokens WHERE account = %s AND revoked_at IS NULL "
        b"ORDER BY created_at LIMIT 1",
        (account.id,),
    ).fetchone()
    if live is not None:
        return account, str(live[0])
    if row is not None:
        revoked = db.execute(b"SELECT 1 FROM account_tokens WHERE account = %s", (account.id,)).fetchone()
        if revoked is not None:
            return account, ""  # revoked by an instructor: the launch opens nothing
    digest = token_hash(new_token())
    db.execute(b"INSERT INTO account_tokens (token_hash, account) VALUES (%s, %s)", (digest, account.id))
    return account, digest


def _joined_or_new(db: psycopg.Connection[Any], launch: Launch) -> Account:
    if launch.email:
        same = db.execute(
            _COLUMNS + b"WHERE a.role = %s AND a.email = %s AND NOT EXISTS "
            b"(SELECT 1 FROM lti_users u WHERE u.account = a.id) ORDER BY a.created_at LIMIT 1",
            (launch.role, launch.email),
        ).fetchone()
        if same is not None:
            return _account(same)
    name = unicodedata.normalize("NFC", launch.name.strip()) or launch.sub
    student = None
    if launch.role == "student":
        student = name
        taken = db.execute(b"SELECT 1 FROM accounts WHERE student = %s", (student,)).fetchone()
        if taken is not None:
            student = f"{name} <{launch.email or launch.sub}>"
    account = Account(secrets.token_hex(16), launch.role, student, launch.email, name)
    db.execute(
        b"INSERT INTO accounts (id, role, student, email, name) VALUES (%s, %s, %s, %s, %s)",
        (account.id, account.role, account.student, account.email, account.name),
    )
    return account


def remember_link(db: psycopg.Connection[Any], launch: Launch, account: Account) -> str | None:
    """The resource link's day (kept from its first launch that named one), and, for a student
    with a line item, where the day's score goes."""
    if not launch.resource_link_id:
        return launch.day
    issuer = launch.platform.issuer
    db.execute(
        b"INSERT INTO lti_links (issuer, resource_link_id, client_id, deployment_id, day, lineitem) "
        b"SELECT %s, %s, %s, %s, %s, %s WHERE %s::text IS NOT NULL ON CONFLICT (issuer, resource_link_id) "
        b"DO UPDATE SET lineitem = COALESCE(excluded.lineitem, lti_links.lineitem)",
        (
            issuer,
            launch.resource_link_id,
            launch.platform.client_id,
            launch.deployment_id,
            launch.day,
            launch.lineitem,
            launch.day,
        ),
    )
    row = db.execute(
        b"SELECT day, lineitem FROM lti_links WHERE issuer = %s AND resource_link_id = %s",
        (issuer, launch.resource_link_id),
    ).fetchone()
    if row is None:
        return None
    day, lineitem = str(row[0]), row[1]
    if account.role == "student" and lineitem:
        db.execute(
            b"INSERT INTO lti_grades VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (account, day) DO UPDATE SET "
            b"issuer = excluded.issuer, client_id = excluded.client_id, lineitem = excluded.lineitem, "
            b"sub = excluded.sub",
            (account.id, day, issuer, launch.platform.client_id, lineitem, launch.sub),
        )
    return day


def bind_link(db: psycopg.Connection[Any], link: dict[str, str], account: Account, day: str) -> bool:
    """A resource link that named no day takes the day its first student hands in for after
    launching from it (a platform's link made without ``day=…``); whether the student's score of
    ``day`` now goes back to it."""
    db.execute(
        b"INSERT INTO lti_links (issuer, resource_link_id, client_id, deployment_id, day, lineitem) "
        b"VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (issuer, resource_link_id) DO NOTHING",
        (
            link["issuer"],
            link["resource_link_id"],
            link["client_id"],
            link["deployment_id"],
            day,
            link["lineitem"],
        ),
    )
    row = db.execute(
        b"SELECT day, lineitem FROM lti_links WHERE issuer = %s AND resource_link_id = %s",
        (link["issuer"], link["resource_link_id"]),
    ).fetchone()
    if row is None or row[0] != day or not row[1] or account.role != "student":
        return False
    db.execute(
        b"INSERT INTO lti_grades VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (account, day) DO UPDATE SET "
        b"issuer = excluded.issuer, client_id = excluded.client_id, lineitem = excluded.lineitem, "
        b"sub = excluded.sub",
        (account.id, day, link["issuer"], link["client_id"], row[1], link["sub"]),
    )
    return True
