"""The OIDC login and the launch: a platform's signed ID token checked, claim by claim.

1. The platform sends the browser to the login initiation URL (``iss``,
   ``login_hint``…). The tool answers with a redirect to the platform's
   authorization URL carrying a fresh ``state`` (also set in a cookie of
   this browser) and ``nonce``, both kept in the database.
2. The platform posts the ID token and the ``state`` to the launch URL. The
   state must be this browser's (the cookie) and unused (each is used once,
   whichever web process sees it); the token must be signed by a key of the
   platform's key set (RS256 only), issued by that platform for this client
   (``aud``, ``azp``), not expired, carry the login's nonce, come from a
   registered deployment, and be a resource link or deep linking request of
   LTI 1.3.0.

Every refusal is a :class:`LaunchRefused` with a French sentence; nothing is
created before the whole token is checked.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import psycopg
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tpgrade.paths import DAYS
from tpgrade.service.lti.registry import ALGORITHM, Platform, platform

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
RESOURCE = "LtiResourceLinkRequest"
DEEP = "LtiDeepLinkingRequest"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
LOGIN_TTL_S = 600
LEEWAY_S = 60
STATE_COOKIE = "tpgrade_lti_state"

KeyFetch = Callable[[str], dict[str, Any]]


class LaunchRefused(Exception):
    """A login or launch the tool refuses; ``said`` is the French sentence shown."""

    def __init__(self, said: str, status: int = 400) -> None:
        super().__init__(said)
        self.said, self.status = said, status


@dataclass(frozen=True)
class Launch:
    """A checked launch: who, as what, from where, for which day."""

    platform: Platform
    deployment_id: str
    sub: str
    name: str
    email: str
    role: str  # student or instructor
    message_type: str
    resource_link_id: str
    day: str | None
    lineitem: str | None
    deep_link_return: str | None
    deep_link_data: str | None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def begin_login(db: psycopg.Connection[Any], asked: dict[str, str], launch_url: str) -> tuple[str, str]:
    """(the platform's authorization URL to redirect to, the state to set in the cookie)."""
    issuer, hint = asked.get("iss", ""), asked.get("login_hint", "")
    if not issuer or not hint:
        raise LaunchRefused(
            "Connexion LTI incomplète (iss ou login_hint manquant) : relancez depuis le cours."
        )
    found = platform(db, issuer, asked.get("client_id"))
    if found is None:
        raise LaunchRefused("Cette plateforme n'est pas enregistrée auprès de tpgrade.", 403)
    deployment = asked.get("lti_deployment_id")
    if deployment and deployment not in found.deployment_ids:
        raise LaunchRefused("Ce déploiement de l'outil n'est pas enregistré auprès de tpgrade.", 403)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db.execute(
        b"INSERT INTO lti_logins (state_hash, nonce, issuer, client_id) VALUES (%s, %s, %s, %s)",
        (_digest(state), nonce, found.issuer, found.client_id),
    )
    db.execute(b"DELETE FROM lti_logins WHERE created_at < now() - interval '1 day'")
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": found.client_id,
        "redirect_uri": launch_url,
        "login_hint": hint,
        "state": state,
        "nonce": nonce,
    }
    if asked.get("lti_message_hint"):
        query["lti_message_hint"] = asked["lti_message_hint"]
    joiner = "&" if "?" in found.auth_url else "?"
    return f"{found.auth_url}{joiner}{urlencode(query)}", state


class PlatformKeys:
    """The platforms' key sets, fetched over HTTPS and kept a few minutes (fetched again at once
    for a key id not seen, at most every 10 s)."""

    def __init__(self, fetch: KeyFetch | None = None, keep_s: float = 300.0) -> None:
        self._fetch = fetch or fetch_json
        self._keep_s = keep_s
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def key_set(self, url: str, kid: str | None) -> KeySet:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(url)
        known = cached is not None and any(k.get("kid") == kid for k in cached[1].get("keys", []))
        stale = cached is None or now - cached[0] > self._keep_s or (not known and now - cached[0] > 10)
        if cached is None or stale:
            try:
                found = self._fetch(url)
            except (OSError, ValueError) as exc:
                if cached is None:
                    raise LaunchRefused(
                        f"Les clés de la plateforme sont injoignables ({type(exc).__name__}) : réessayez.",
                        502,
                    ) from None
                found = cached[1]
            with self._lock:
                self._cache[url] = (now, found)
            cached = (now, found)
        try:
            return KeySet.import_key_set(cached[1])  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            raise LaunchRefused("Le jeu de clés de la plateforme est illisible.", 502) from None


def fetch_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:  # an https URL an administrator registered
        found = json.loads(response.read(1_000_000))
    if not isinstance(found, dict):
        raise ValueError("not a JSON object")
    return found


def complete_launch(
    db: psycopg.Connection[Any], id_token: str, state: str, cookie_state: str | None, keys: PlatformKeys
) -> Launch:
    """The launch ``id_token`` carries, checked; :class:`LaunchRefused` otherwise."""
    if not state or not id_token:
        raise LaunchRefused("Lancement LTI incomplet (id_token ou state manquant).")
    if not cookie_state or not secrets.compare_digest(state, cookie_state):
        raise LaunchRefused(
            "Ce lancement n'a pas été commencé dans ce navigateur (state inconnu) : relancez depuis le cours.",
            403,
        )
    row = db.execute(
        b"UPDATE lti_logins SET used_at = now() WHERE state_hash = %s AND used_at IS NULL "
        b"AND created_at > now() - make_interval(secs => %s) RETURNING nonce, issuer, client_id",
        (_digest(state), LOGIN_TTL_S),
    ).fetchone()
    if row is None:
        raise LaunchRefused("Ce lancement a déjà servi ou a expiré : relancez depuis le cours.", 403)
    nonce, issuer, client_id = row
    found = platform(db, issuer, client_id)
    if found is None:
        raise LaunchRefused("Cette plateforme n'est plus enregistrée auprès de tpgrade.", 403)
    claims = _verified(id_token, found, keys)
    _check_claims(claims, found, nonce)
    return _launch_of(claims, found)


def _verified(id_token: str, found: Platform, keys: PlatformKeys) -> dict[str, Any]:
    try:
        header = json.loads(_b64(id_token.split(".")[0]))
        kid = header.get("kid") if isinstance(header, dict) else None
    except (ValueError, IndexError):
        raise LaunchRefused("Le jeton de lancement est illisible.") from None
    key_set = keys.key_set(found.jwks_url, kid if isinstance(kid, str) else None)
    try:
        token = jwt.decode(id_token, key_set, algorithms=[ALGORITHM])
    except JoseError as exc:
        raise LaunchRefused(
            f"La signature du jeton de lancement n'est pas celle de la plateforme ({exc.error}).", 403
        ) from None
    return dict(token.claims)


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _check_claims(claims: dict[str, Any], found: Platform, nonce: str) -> None:
    now = time.time()
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    checks = [
        (claims.get("iss") == found.issuer, "émetteur (iss) inattendu"),
        (found.client_id in audiences, "le jeton n'est pas destiné à tpgrade (aud)"),
        (len(audiences) == 1 or claims.get("azp") == found.client_id, "partie autorisée (azp) inattendue"),
        (isinstance(claims.get("exp"), int | float) and claims["exp"] + LEEWAY_S > now, "jeton expiré"),
        (
            isinstance(claims.get("iat"), int | float) and claims["iat"] - LEEWAY_S < now,
            "jeton daté du futur",
        ),
        (
            isinstance(claims.get("nonce"), str) and secrets.compare_digest(claims["nonce"], nonce),
            "nonce inattendu",
        ),
        (claims.get(LTI + "deployment_id") in found.deployment_ids, "déploiement inconnu"),
        (claims.get(LTI + "version") == "1.3.0", "version LTI autre que 1.3.0"),
        (claims.get(LTI + "message_type") in (RESOURCE, DEEP), "type de message non pris en charge"),
        (isinstance(claims.get("sub"), str) and claims["sub"] != "", "utilisateur anonyme (sub manquant)"),
    ]
    for ok, said in checks:
        if not ok:
            raise LaunchRefused(f"Lancement refusé : {said}.", 403)
    if claims[LTI + "message_type"] == RESOURCE and not _resource_id(claims):
        raise LaunchRefused("Lancement refusé : lien de ressource sans identifiant.", 403)


def _resource_id(claims: dict[str, Any]) -> str:
    link = claims.get(LTI + "resource_link")
    return str(link.get("id", "")) if isinstance(link, dict) else ""


def _day_of(claims: dict[str, Any]) -> str | None:
    custom = claims.get(LTI + "custom")
    if isinstance(custom, dict) and custom.get("day") in DAYS:
        return str(custom["day"])
    target = claims.get(LTI + "target_link_uri")
    asked = parse_qs(urlparse(target).query).get("day", []) if isinstance(target, str) else []
    return asked[0] if asked and asked[0] in DAYS else None


def _context_role(role: str) -> str | None:
    """A role of this course as a plain name ("Learner", "Instructor#TeachingAssistant"): from
    the LIS v2 membership URI, the older ``urn:lti:role:ims/lis/`` form or a bare name (some
    platforms still send those); None for an institution's or the system's role."""
    for prefix in (MEMBERSHIP + "#", MEMBERSHIP + "/", "urn:lti:role:ims/lis/"):
        if role.startswith(prefix):
            return role.removeprefix(prefix)
    return role if ":" not in role and "/" not in role else None


def _learns(role: str) -> bool:
    name = _context_role(role)
    return name is not None and name.split("#")[0] in ("Learner", "Student")


def _teaches(role: str) -> bool:
    """An instructor of this course (its membership: Instructor and its sub-roles such as
    teaching assistant, content developer, the course's administrator), or a site administrator.
    An institution role says nothing of this course: an instructor elsewhere is a learner here."""
    name = _context_role(role)
    if name is not None:
        return name.split("#")[0] in ("Instructor", "ContentDeveloper", "Administrator", "TeachingAssistant")
    return role.endswith(("/system/person#Administrator", "/institution/person#Administrator"))


def _launch_of(claims: dict[str, Any], found: Platform) -> Launch:
    roles = claims.get(LTI + "roles")
    roles = [str(role) for role in roles] if isinstance(roles, list) else []
    teaching = any(_teaches(role) for role in roles)
    if not teaching and not any(_learns(role) for role in roles):
        raise LaunchRefused("Lancement refusé : ni étudiant ni enseignant de ce cours (rôles).", 403)
    name = str(
        claims.get("name") or f"{claims.get('given_name', '')} {claims.get('family_name', '')}".strip()
    )
    endpoint = claims.get(AGS)
    lineitem = endpoint.get("lineitem") if isinstance(endpoint, dict) else None
    settings = claims.get(DEEP_LINKING)
    deep_return = settings.get("deep_link_return_url") if isinstance(settings, dict) else None
    return Launch(
        platform=found,
        deployment_id=str(claims[LTI + "deployment_id"]),
        sub=str(claims["sub"]),
        name=name or str(claims["sub"]),
        email=str(claims.get("email") or ""),
        role="instructor" if teaching else "student",
        message_type=str(claims[LTI + "message_type"]),
        resource_link_id=_resource_id(claims),
        day=_day_of(claims),
        lineitem=str(lineitem) if isinstance(lineitem, str) and lineitem else None,
        deep_link_return=str(deep_return) if isinstance(deep_return, str) else None,
        deep_link_data=str(settings["data"]) if isinstance(settings, dict) and "data" in settings else None,
    )
