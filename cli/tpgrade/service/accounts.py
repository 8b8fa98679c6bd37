"""Accounts and their login tokens: the roster imported from Moodle, instructors, revocation.

A roster is Moodle's participants export (English or French headers: first
name, last name, email) or a plain CSV with a ``student`` (or ``name``) column
and an ``email`` column; ``,``, ``;`` and tabs are all read. A student's id is
the full name as written (NFC), as the rest of tpgrade names students; two
rows of the same name are told apart by their email, and said so. Importing
again keeps existing accounts and their tokens, and adds the new ones.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

import psycopg

from tpgrade.errors import InputError

_HEADERS = {
    "first": ("first name", "firstname", "prenom", "given name"),
    "last": ("last name", "lastname", "surname", "nom", "nom de famille", "family name"),
    "email": (
        "email address",
        "email",
        "e-mail",
        "adresse de courriel",
        "courriel",
        "adresse electronique",
        "mail",
    ),
    "student": ("student", "etudiant", "name", "full name", "nom complet"),
}


@dataclass(frozen=True)
class Account:
    id: str
    role: str  # student or instructor
    student: str | None  # the id results are stored under; None for an instructor
    email: str
    name: str


@dataclass(frozen=True)
class Issued:
    """A new account's login token, shown once (only its hash is kept)."""

    account: Account
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _key(header: str) -> str:
    flat = unicodedata.normalize("NFKD", header.strip().lower().lstrip("\ufeff"))
    return "".join(c for c in flat if not unicodedata.combining(c))


def read_roster(text: str) -> list[tuple[str, str]]:
    """(student id, email) of each row of a roster CSV; InputError naming what is missing."""
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise InputError("the roster is empty")
    headers = [_key(h) for h in rows[0]]
    column = {
        role: next((i for i, h in enumerate(headers) if h in names), None) for role, names in _HEADERS.items()
    }
    if column["email"] is None or (column["student"] is None and None in (column["first"], column["last"])):
        raise InputError(
            "the roster needs an email column and either first and last name columns (Moodle's "
            f"participants export) or a student column; found: {', '.join(rows[0]) or 'nothing'}"
        )
    people = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        name = (
            _cell(row, column, "student")
            or f"{_cell(row, column, 'first')} {_cell(row, column, 'last')}".strip()
        )
        email = _cell(row, column, "email")
        if not name or not email:
            raise InputError(f"row {number} of the roster has no name or no email")
        people.append((unicodedata.normalize("NFC", name), email))
    names = Counter(name for name, _ in people)
    return [(f"{name} <{email}>" if names[name] > 1 else name, email) for name, email in people]


def _cell(row: list[str], column: dict[str, int | None], role: str) -> str:
    index = column[role]
    return row[index].strip() if index is not None and index < len(row) else ""


def _issue(db: psycopg.Connection[Any], account: Account) -> Issued:
    token = new_token()
    db.execute(
        b"INSERT INTO account_tokens (token_hash, account) VALUES (%s, %s)", (token_hash(token), account.id)
    )
    return Issued(account, token)


def import_students(db: psycopg.Connection[Any], people: list[tuple[str, str]]) -> tuple[list[Issued], int]:
    """New student accounts with their tokens, and how many were there already."""
    issued, kept = [], 0
    for student, email in people:
        found = db.execute(b"SELECT 1 FROM accounts WHERE student = %s", (student,)).fetchone()
        if found is not None:
            kept += 1
            continue
        account = Account(secrets.token_hex(16), "student", student, email, student)
        db.execute(
            b"INSERT INTO accounts (id, role, student, email, name) VALUES (%s, 'student', %s, %s, %s)",
            (account.id, student, email, student),
        )
        issued.append(_issue(db, account))
    return issued, kept


def add_instructor(db: psycopg.Connection[Any], email: str) -> Issued:
    """An instructor account (or a new token for an existing one)."""
    row = db.execute(b"SELECT id FROM accounts WHERE role = 'instructor' AND email = %s", (email,)).fetchone()
    account = Account(str(row[0]) if row else secrets.token_hex(16), "instructor", None, email, email)
    if row is None:
        db.execute(
            b"INSERT INTO accounts (id, role, student, email, name) VALUES (%s, 'instructor', NULL, %s, %s)",
            (account.id, email, email),
        )
    return _issue(db, account)


def revoke(db: psycopg.Connection[Any], who: str) -> int:
    """Revoke every live token of the account whose student id or email is ``who``; how many."""
    return db.execute(
        b"UPDATE account_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND account IN "
        b"(SELECT id FROM accounts WHERE student = %s OR email = %s)",
        (who, who),
    ).rowcount


def by_token_hash(db: psycopg.Connection[Any], digest: str) -> Account | None:
    """The account of a live token, given the token's hash."""
    row = db.execute(
        b"SELECT a.id, a.role, a.student, a.email, a.name FROM account_tokens t JOIN accounts a "
        b"ON a.id = t.account WHERE t.token_hash = %s AND t.revoked_at IS NULL",
        (digest,),
    ).fetchone()
    return Account(str(row[0]), str(row[1]), row[2], str(row[3]), str(row[4])) if row else None


SESSION_DAYS = 14


def open_session(db: psycopg.Connection[Any], digest: str) -> str:
    """A new page session for the live token of hash ``digest``: its id (kept only hashed)."""
    session = secrets.token_urlsafe(32)
    db.execute(
        b"INSERT INTO web_sessions (id_hash, token_hash) VALUES (%s, %s)", (token_hash(session), digest)
    )
    return session


def by_session(db: psycopg.Connection[Any], session: str) -> Account | None:
    """The account of a page session still open (not logged out, its token not revoked, not
    older than ``SESSION_DAYS``)."""
    row = db.execute(
        b"SELECT a.id, a.role, a.student, a.email, a.name FROM web_sessions s "
        b"JOIN account_tokens t ON t.token_hash = s.token_hash JOIN accounts a ON a.id = t.account "
        b"WHERE s.id_hash = %s AND s.ended_at IS NULL AND t.revoked_at IS NULL "
        b"AND s.created_at > now() - make_interval(days => %s)",
        (token_hash(session), SESSION_DAYS),
    ).fetchone()
    return Account(str(row[0]), str(row[1]), row[2], str(row[3]), str(row[4])) if row else None


def end_session(db: psycopg.Connection[Any], session: str) -> None:
    db.execute(b"UPDATE web_sessions SET ended_at = now() WHERE id_hash = %s", (token_hash(session),))
