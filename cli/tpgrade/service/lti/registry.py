"""What the tool knows of its platforms, and its own keys.

A platform is registered by an administrator (``tpgrade lti add-platform``):
its issuer, the client id it gave the tool, the deployment ids it may launch
from, and its authorization, token and key-set URLs. The tool signs with RSA
keys kept in the database (shared by every web process); ``rotate`` adds a
new signing key and retires the old one, which the key set keeps publishing
for a day so that what it signed still checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import psycopg
from joserfc.jwk import RSAKey

from tpgrade.errors import InputError

ALGORITHM = "RS256"
RETIRED_KEYS_KEPT_H = 24


@dataclass(frozen=True)
class Platform:
    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    auth_url: str
    token_url: str
    jwks_url: str


def _url(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise InputError(f"--{name} must be a full http(s) URL, not {value!r}")
    return value


def add_platform(db: psycopg.Connection[Any], platform: Platform) -> bool:
    """Register ``platform`` (or update it); whether it is new."""
    if not platform.client_id.strip() or not platform.deployment_ids:
        raise InputError("a platform needs its client id and at least one deployment id")
    for name, value in (
        ("issuer", platform.issuer),
        ("auth-url", platform.auth_url),
        ("token-url", platform.token_url),
        ("jwks-url", platform.jwks_url),
    ):
        _url(name, value)
    row = db.execute(
        b"INSERT INTO lti_platforms (issuer, client_id, deployment_ids, auth_url, token_url, jwks_url) "
        b"VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (issuer, client_id) DO UPDATE SET "
        b"deployment_ids = excluded.deployment_ids, auth_url = excluded.auth_url, "
        b"token_url = excluded.token_url, jwks_url = excluded.jwks_url RETURNING (xmax = 0)",
        (
            platform.issuer,
            platform.client_id,
            list(platform.deployment_ids),
            platform.auth_url,
            platform.token_url,
            platform.jwks_url,
        ),
    ).fetchone()
    return bool(row and row[0])


def platforms(db: psycopg.Connection[Any]) -> list[Platform]:
    rows = db.execute(
        b"SELECT issuer, client_id, deployment_ids, auth_url, token_url, jwks_url FROM lti_platforms "
        b"ORDER BY issuer, client_id"
    ).fetchall()
    return [Platform(r[0], r[1], tuple(r[2]), r[3], r[4], r[5]) for r in rows]


def platform(db: psycopg.Connection[Any], issuer: str, client_id: str | None) -> Platform | None:
    """The registration of ``issuer`` (with ``client_id``, or its only one)."""
    found = [p for p in platforms(db) if p.issuer == issuer and client_id in (None, "", p.client_id)]
    return found[0] if len(found) == 1 else None


def remove_platform(db: psycopg.Connection[Any], issuer: str, client_id: str | None) -> int:
    if client_id:
        query = b"DELETE FROM lti_platforms WHERE issuer = %s AND client_id = %s"
        return db.execute(query, (issuer, client_id)).rowcount
    return db.execute(b"DELETE FROM lti_platforms WHERE issuer = %s", (issuer,)).rowcount


def _new_key(db: psycopg.Connection[Any]) -> RSAKey:
    key = RSAKey.generate_key(2048, private=True)
    kid = key.thumbprint()
    db.execute(
        b"INSERT INTO lti_keys (kid, private_jwk) VALUES (%s, %s)",
        (kid, json.dumps(key.as_dict(private=True))),
    )
    return RSAKey.import_key(
        key.as_dict(private=True), parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"}
    )


def signing_key(db: psycopg.Connection[Any]) -> RSAKey:
    """The tool's current signing key (made the first time)."""
    row = db.execute(
        b"SELECT kid, private_jwk FROM lti_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        db.execute(b"SELECT pg_advisory_xact_lock(7316)")  # two web processes starting make one key
        row = db.execute(
            b"SELECT kid, private_jwk FROM lti_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return _new_key(db)
    return RSAKey.import_key(json.loads(row[1]), parameters={"kid": row[0], "alg": ALGORITHM, "use": "sig"})


def rotate(db: psycopg.Connection[Any]) -> str:
    """A new signing key; the others retired (published a while longer). The new key's id."""
    db.execute(b"UPDATE lti_keys SET retired_at = now() WHERE retired_at IS NULL")
    return str(_new_key(db).kid)


def public_keys(db: psycopg.Connection[Any]) -> dict[str, Any]:
    """The tool's key set: the signing key and those retired within the last day."""
    signing_key(db)
    rows = db.execute(
        b"SELECT kid, private_jwk FROM lti_keys WHERE retired_at IS NULL "
        b"OR retired_at > now() - make_interval(hours => %s) ORDER BY created_at DESC",
        (RETIRED_KEYS_KEPT_H,),
    ).fetchall()
    keys = []
    for kid, private in rows:
        public = RSAKey.import_key(json.loads(private)).as_dict(private=False)
        public.update(kid=kid, alg=ALGORITHM, use="sig")
        keys.append(public)
    return {"keys": keys}
