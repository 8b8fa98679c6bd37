"""Signed receipts: what the server received, when, from whom, checkable offline.

A receipt is a compact JWS (Ed25519) over its JSON claims: the
submission id, the day, the student, the SHA-256 of the bytes and the
server's time. The private key is the service's (kept in its database); the
public key is published at ``/.well-known/jwks.json`` and by ``tpgrade receipt
key``, and ``tpgrade receipt verify`` checks a receipt with it, without the
server.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from tpgrade.errors import InputError

ALGORITHM = "Ed25519"  # RFC 9864 (the fully specified name of EdDSA with Ed25519)


@dataclass(frozen=True)
class Receipt:
    id: str
    day: str
    student: str
    sha256: str
    received_at: str  # ISO 8601, UTC, the server's clock
    file_name: str


def new_key() -> str:
    """A new signing key, as a private JWK (JSON)."""
    return json.dumps(OKPKey.generate_key("Ed25519", private=True).as_dict(private=True))


def public_jwk(private_jwk: str) -> dict[str, Any]:
    key = OKPKey.import_key(json.loads(private_jwk))
    public = key.as_dict(private=False)
    public.update(kid=key.thumbprint(), use="sig", alg=ALGORITHM)
    return dict(public)


def sign(receipt: Receipt, private_jwk: str) -> str:
    key = OKPKey.import_key(json.loads(private_jwk))
    header = {"alg": ALGORITHM, "kid": key.thumbprint(), "typ": "tpgrade-receipt"}
    payload = json.dumps(asdict(receipt), ensure_ascii=False, sort_keys=True)
    return jws.serialize_compact(header, payload.encode(), key, algorithms=[ALGORITHM])


def verify(token: str, public: dict[str, Any]) -> Receipt:
    """The receipt a JWS holds, if the key signed it; InputError otherwise."""
    try:
        key = OKPKey.import_key(public)
        found = jws.deserialize_compact(token.strip(), key, algorithms=[ALGORITHM])
        claims = json.loads(found.payload)
        return Receipt(**{name: str(claims[name]) for name in Receipt.__dataclass_fields__})
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"this receipt is not one signed by this server's key ({type(exc).__name__})"
        ) from None
