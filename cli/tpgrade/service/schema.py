"""The service's own tables, beside the results store and the job queue.

An account is a student (with the student id the results are stored under)
or an instructor; it logs in with a personal token, kept only as its SHA-256
(a token is 256 random bits: a hash is enough, no slow hash needed). A web
submission is one upload: its unguessable id, its owner, the server's time,
and the job key it was put in the queue under. The service's secrets (the
session cookie's key, the receipts' signing key) live in the database, so
that every web process of a deployment shares them, as they share the
course's rules per day (``tpgrade serve --course`` writes them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

SERVICE_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS accounts (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('student', 'instructor')),
        student TEXT UNIQUE,
        email TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
    """CREATE TABLE IF NOT EXISTS account_tokens (
        token_hash TEXT PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts (id),
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        revoked_at TIMESTAMPTZ
    )""",
    """CREATE TABLE IF NOT EXISTS web_submissions (
        id TEXT PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts (id),
        day TEXT NOT NULL,
        student TEXT NOT NULL,
        submission_hash TEXT NOT NULL,
        grader_version TEXT NOT NULL,
        file_name TEXT NOT NULL,
        size BIGINT NOT NULL,
        received_at TIMESTAMPTZ NOT NULL,
        rejection TEXT NOT NULL DEFAULT '',
        receipt TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS web_submissions_owner ON web_submissions (account, day, received_at)",
    """CREATE TABLE IF NOT EXISTS service_secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS day_releases (
        day TEXT PRIMARY KEY,
        held BOOLEAN NOT NULL,
        released_at TIMESTAMPTZ
    )""",
    """CREATE TABLE IF NOT EXISTS web_sessions (
        id_hash TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL REFERENCES account_tokens (token_hash),
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        ended_at TIMESTAMPTZ
    )""",
    """CREATE TABLE IF NOT EXISTS lti_platforms (
        issuer TEXT NOT NULL,
        client_id TEXT NOT NULL,
        deployment_ids TEXT[] NOT NULL,
        auth_url TEXT NOT NULL,
        token_url TEXT NOT NULL,
        jwks_url TEXT NOT NULL,
        added_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (issuer, client_id)
    )""",
    """CREATE TABLE IF NOT EXISTS lti_keys (
        kid TEXT PRIMARY KEY,
        private_jwk TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        retired_at TIMESTAMPTZ
    )""",
    """CREATE TABLE IF NOT EXISTS lti_logins (
        state_hash TEXT PRIMARY KEY,
        nonce TEXT NOT NULL,
        issuer TEXT NOT NULL,
        client_id TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        used_at TIMESTAMPTZ
    )""",
    """CREATE TABLE IF NOT EXISTS lti_users (
        issuer TEXT NOT NULL,
        sub TEXT NOT NULL,
        account TEXT NOT NULL REFERENCES accounts (id),
        PRIMARY KEY (issuer, sub)
    )""",
    """CREATE TABLE IF NOT EXISTS lti_links (
        issuer TEXT NOT NULL,
        resource_link_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        deployment_id TEXT NOT NULL,
        day TEXT NOT NULL,
        lineitem TEXT,
        PRIMARY KEY (issuer, resource_link_id)
    )""",
    """CREATE TABLE IF NOT EXISTS lti_grades (
        account TEXT NOT NULL REFERENCES accounts (id),
        day TEXT NOT NULL,
        issuer TEXT NOT NULL,
        client_id TEXT NOT NULL,
        lineitem TEXT NOT NULL,
        sub TEXT NOT NULL,
        PRIMARY KEY (account, day)
    )""",
    """CREATE TABLE IF NOT EXISTS lti_outbox (
        account TEXT NOT NULL REFERENCES accounts (id),
        day TEXT NOT NULL,
        lineitem TEXT NOT NULL,
        issuer TEXT NOT NULL,
        client_id TEXT NOT NULL,
        sub TEXT NOT NULL,
        score_given DOUBLE PRECISION NOT NULL,
        score_maximum DOUBLE PRECISION NOT NULL,
        comment TEXT NOT NULL,
        scored_at TIMESTAMPTZ NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_error TEXT NOT NULL DEFAULT '',
        sent_at TIMESTAMPTZ,
        PRIMARY KEY (account, day, lineitem)
    )""",
    """CREATE TABLE IF NOT EXISTS day_rules (
        day TEXT PRIMARY KEY,
        rules JSONB NOT NULL,
        late JSONB
    )""",
)


def create_service_tables(db: psycopg.Connection[Any]) -> None:
    with db.transaction():
        for statement in SERVICE_SCHEMA:
            db.execute(statement.encode())


def secret(db: psycopg.Connection[Any], name: str, make: Callable[[], str]) -> str:
    """The service secret ``name``, made by ``make()`` the first time (the first writer wins)."""
    query = b"SELECT value FROM service_secrets WHERE name = %s"
    row = db.execute(query, (name,)).fetchone()
    if row is None:
        db.execute(
            b"INSERT INTO service_secrets VALUES (%s, %s) ON CONFLICT (name) DO NOTHING", (name, make())
        )
        row = db.execute(query, (name,)).fetchone()
    assert row is not None
    return str(row[0])
