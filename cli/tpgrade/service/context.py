"""What the service's routes share: its configuration, its stores and secrets, who is asking
(a page session or a bearer token; a student or an instructor), and the page renderer.

A page session is a signed HttpOnly cookie holding a session id, kept in the
database only hashed and checked at every request: logging out ends it
there, so a copy of the cookie replayed later opens nothing, and a revoked
token ends all its sessions; every form carries the session's CSRF token. The API takes the
token as a bearer token and never a cookie, so no other site can use it on a
student's behalf.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import psycopg
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tpgrade.cluster.jobs import new_app, published_versions
from tpgrade.service.accounts import Account, by_session, by_token_hash, token_hash
from tpgrade.service.live import Watcher
from tpgrade.service.lti.registry import signing_key
from tpgrade.service.pool import StorePool
from tpgrade.service.receipts import new_key, public_jwk
from tpgrade.service.schema import create_service_tables, secret
from tpgrade.service.status import HandIn, hand_ins

T = TypeVar("T")


STATE_LABELS = {
    "queued": "en attente",
    "running": "en cours de correction",
    "graded": "corrigé",
    "rejected": "refusé",
    "system_error": "erreur du correcteur (nous le corrigerons de nouveau)",
}


@dataclass(frozen=True)
class ServiceConfig:
    database: str
    public_url: str = "http://127.0.0.1:8000"
    kind: str = "cpu"  # the workers' kind whose queues hand-ins go to
    max_upload_bytes: int = 20_000_000
    body_idle_s: float = 20.0  # a request body silent this long is dropped (408)
    uploads_per_hour: int = 30  # per account
    logins_per_minute: int = 20  # per address
    uploads_per_minute_per_address: int = 600
    live_interval_s: float = 0.5  # how often the live pages' shared poll reads the database
    stream_s: float = 300.0  # a live stream's longest life (the browser reconnects by itself)


class Service:
    """What the routes share: the stores, the queue, the secrets, the rate windows."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.pool = StorePool(config.database)
        self.queue = new_app(config.database)
        self.session_secret, self.signing_key = self.run(_prepare, "prepare the service's tables")
        self.public_key = public_jwk(self.signing_key)
        self.watcher = Watcher(self._follow, config.live_interval_s)
        self._logins = RateWindow(config.logins_per_minute, 60.0)
        self._uploads = RateWindow(config.uploads_per_minute_per_address, 60.0)

    def run(self, action: Callable[[psycopg.Connection[Any]], T], what: str) -> T:
        with self.pool.borrow() as store:
            return store.atomically(action, what)

    def _follow(self, ids: list[str]) -> dict[str, HandIn]:
        return self.run(lambda db: hand_ins(db, ids), "follow the hand-ins")

    def session_account(self, session: str) -> Account | None:
        return self.run(lambda db: by_session(db, session), "read the session")

    def account(self, digest: str) -> Account | None:
        return self.run(lambda db: by_token_hash(db, digest), "read the account")

    def open_days(self) -> list[str]:
        return sorted(self.run(lambda db: published_versions(db, self.config.kind), "read the open days"))

    def login_allowed(self, address: str) -> bool:
        """At most ``logins_per_minute`` attempts per address (a token is not to be guessed)."""
        return self._logins.allow(address)

    def upload_allowed(self, address: str) -> bool:
        """At most ``uploads_per_minute_per_address`` uploads per address, whoever sends them
        (a classroom behind one address stays far below it; a flood from one host does not)."""
        return self._uploads.allow(address)


class RateWindow:
    """At most ``limit`` events per key in any ``seconds`` long window (in this process)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            window = self._seen.setdefault(key, deque())
            while window and now - window[0] > self.seconds:
                window.popleft()
            if len(window) >= self.limit:
                return False
            window.append(now)
            if len(self._seen) > 100_000:  # many addresses seen once: keep only the live windows
                self._seen = {k: w for k, w in self._seen.items() if w and now - w[-1] <= self.seconds}
            return True


def _prepare(db: psycopg.Connection[Any]) -> tuple[str, str]:
    create_service_tables(db)
    signing_key(db)  # the LTI key, made before anyone reads the key set
    return secret(db, "session", lambda: secrets.token_hex(32)), secret(db, "receipt_key", new_key)


def page_account(request: Request) -> Account:
    """The page session's account, or a 401 page."""
    service: Service = request.app.state.service
    session = request.session.get("session")
    account = service.session_account(str(session)) if session else None
    if account is None:
        request.session.clear()
        raise HTTPException(401, "Connectez-vous avec votre lien personnel (reçu de l'enseignant).")
    return account


def api_account(request: Request) -> Account:
    """The bearer token's account (the API never reads the cookie), or a 401."""
    service: Service = request.app.state.service
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    account = service.account(token_hash(token.strip())) if scheme.lower() == "bearer" and token else None
    if account is None:
        raise HTTPException(401, "missing, wrong or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return account


PageAccount = Annotated[Account, Depends(page_account)]
ApiAccount = Annotated[Account, Depends(api_account)]


def instructor_page(account: PageAccount) -> Account:
    if account.role != "instructor":
        raise HTTPException(404, "Page introuvable.")  # a student learns nothing of these pages
    return account


def instructor_api(account: ApiAccount) -> Account:
    if account.role != "instructor":
        raise HTTPException(404, "Not Found")
    return account


InstructorPage = Annotated[Account, Depends(instructor_page)]
InstructorApi = Annotated[Account, Depends(instructor_api)]


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    context.setdefault("csrf", request.session.get("csrf", ""))
    return templates.TemplateResponse(request, name, context, status_code=status)


def check_csrf(request: Request, sent: object) -> None:
    expected = str(request.session.get("csrf", ""))
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(expected, sent):
        raise HTTPException(403, "Formulaire expiré ou venu d'ailleurs : rechargez la page et recommencez.")
