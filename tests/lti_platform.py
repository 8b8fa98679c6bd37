"""A test LTI 1.3 platform (an LMS stand-in, like Moodle) on loopback: the OIDC login and the launch,
deep linking, and the grade service's line items and scores (AGS 2.0), with knobs that make a launch
hostile. One tool is registered; its addresses follow the fixed contract T/lti/login, T/lti/launch and
T/lti/jwks.json. The grade service's endpoints are in lti_ags.py, the claim names in lti_messages.py."""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

import httpx2
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from lti_ags import GradeService
from lti_messages import (
    AGS_ENDPOINT,
    AUTOSUBMIT,
    DEEP_LINKING,
    DL,
    LTI,
    RESOURCE_LAUNCH,
    ROLE,
    SCOPE_LINEITEM,
    SCOPE_SCORE,
    DeepLink,
    Forms,
    Hostile,
    User,
    deep_link_problem,
    new_key,
    tamper,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from uvicorn_thread import serving

from tpgrade.cluster.private_postgres import free_port


@dataclass(frozen=True)
class Pending:
    user: User
    roles: list[str]
    resource_link_id: str
    title: str
    target_link_uri: str
    message_type: str
    custom: dict[str, str]
    hostile: Hostile


class Platform(GradeService):
    """The platform at ``issuer``; ``app`` is its Starlette application."""

    def __init__(
        self,
        issuer: str,
        tool_base: str | None = None,
        tool_jwks: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        self.issuer = issuer.rstrip("/")
        self.client_id = "tpgrade-" + secrets.token_hex(4)
        self.deployment_id = "deployment-" + secrets.token_hex(4)
        self.auth_url = self.issuer + "/auth"
        self.token_url = self.issuer + "/token"
        self.jwks_url = self.issuer + "/jwks"
        self.lineitems_url = self.issuer + "/lineitems"
        self.deep_link_return_url = self.issuer + "/deep_link_return"
        self.context = {
            "id": "course-1",
            "label": "FMIA",
            "title": "Fondations mathématiques de l'IA moderne",
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        }
        self.key = new_key("platform-1")
        self._stranger = new_key("stranger")
        self.tool_base: str | None = None
        self._tool_jwks = tool_jwks
        if tool_base:
            self.register_tool(tool_base, tool_jwks)
        self.deep_links: list[DeepLink] = []
        self.last_id_token: str | None = None
        self._pending: dict[str, Pending] = {}
        self._next: Hostile | None = None
        self._last_form: tuple[str, dict[str, str]] | None = None
        self._dl_data: set[str] = set()
        self.app = Starlette(
            routes=[
                Route("/jwks", self._jwks),
                Route("/autosubmit.js", lambda _: Response(AUTOSUBMIT, media_type="text/javascript")),
                Route("/auth", self._auth),
                Route("/deep_link_return", self._deep_link_return, methods=["POST"]),
                *self.grade_routes(),
            ]
        )

    # --- what the test drives -------------------------------------------------------------------

    def register_tool(self, tool_base: str, jwks: Callable[[], dict[str, Any]] | None = None) -> None:
        """The tool at ``tool_base``; its keys from ``jwks()`` if given, else from T/lti/jwks.json."""
        self.tool_base = tool_base.rstrip("/")
        self._tool_jwks = jwks or self._tool_jwks

    @property
    def redirect_uri(self) -> str:
        return f"{self.tool_base}/lti/launch"

    def login_initiation(
        self,
        tool_base: str,
        user: User | str,
        *,
        roles: tuple[str, ...] = ("Learner",),
        resource_link_id: str = "link-1",
        target_link_uri: str | None = None,
        message_type: str = RESOURCE_LAUNCH,
        custom: Mapping[str, str] | None = None,
        title: str | None = None,
        hostile: Hostile | None = None,
    ) -> dict[str, str]:
        """The parameters a browser sends to T/lti/login; the launch they start is spoiled by
        ``hostile``. Roles are full IMS URIs or their last part ("Learner", "Instructor")."""
        if message_type not in {RESOURCE_LAUNCH, DEEP_LINKING}:
            raise ValueError(f"unknown message type {message_type}")
        if self.tool_base is None:
            self.register_tool(tool_base)
        if self.tool_base != tool_base.rstrip("/"):
            raise ValueError(f"the registered tool is {self.tool_base}, not {tool_base}")
        person = User.of(user)
        hint = secrets.token_urlsafe(12)
        target = target_link_uri or self.redirect_uri
        self._pending[hint] = Pending(
            person,
            [role if ":" in role else ROLE + role for role in roles],
            resource_link_id,
            title or f"Activité {resource_link_id}",
            target,
            message_type,
            dict(custom or {}),
            hostile or Hostile(),
        )
        if message_type == RESOURCE_LAUNCH:
            self.line_item(resource_link_id, label=title)
        return {
            "iss": self.issuer,
            "login_hint": person.sub,
            "target_link_uri": target,
            "lti_message_hint": hint,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def next_launch(self, **knobs: Any) -> None:
        """Spoil the next /auth answer, whatever its login asked (the fields of ``Hostile``)."""
        self._next = Hostile(**knobs)

    def replay(self) -> tuple[str, dict[str, str]]:
        """The last form /auth answered, again: (action, fields), the same id_token and state."""
        if self._last_form is None:
            raise LookupError("no launch yet")
        return self._last_form[0], dict(self._last_form[1])

    @staticmethod
    def form_fields(html: str) -> tuple[str, dict[str, str]]:
        """The action and fields of the (first) form of a page."""
        parser = Forms()
        parser.feed(html)
        return parser.action, parser.fields

    def rotate_key(self) -> None:
        """A new signing key with a new kid; /jwks drops the old one."""
        self.key = new_key(f"platform-{secrets.token_hex(3)}")

    # --- the id_token ---------------------------------------------------------------------------

    def _claims(self, pending: Pending, nonce: str, hostile: Hostile) -> dict[str, Any]:
        now = int(time.time())
        user = pending.user
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": hostile.audience or self.client_id,
            "azp": self.client_id,
            "sub": user.sub,
            "iat": now - 600 if hostile.expired else now,
            "exp": now - 300 if hostile.expired else now + 300,
            "nonce": nonce,
            "name": user.name,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "email": user.email,
            LTI + "message_type": pending.message_type,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": hostile.deployment_id or self.deployment_id,
            LTI + "target_link_uri": pending.target_link_uri,
            LTI + "roles": pending.roles,
            LTI + "context": self.context,
            LTI + "custom": pending.custom,
            LTI + "tool_platform": {"guid": self.issuer, "name": "Plateforme de test", "version": "1"},
        }
        if pending.message_type == RESOURCE_LAUNCH:
            claims[LTI + "resource_link"] = {"id": pending.resource_link_id, "title": pending.title}
            claims[AGS_ENDPOINT] = {
                "scope": [SCOPE_LINEITEM, SCOPE_SCORE],
                "lineitems": self.lineitems_url,
                "lineitem": self.line_item(pending.resource_link_id),
            }
        else:
            data = secrets.token_urlsafe(12)
            self._dl_data.add(data)
            claims[DL + "deep_linking_settings"] = {
                "deep_link_return_url": self.deep_link_return_url,
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
                "auto_create": True,
                "data": data,
            }
        for name, value in hostile.claims.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def _id_token(self, pending: Pending, nonce: str, hostile: Hostile) -> str:
        key = self._stranger if hostile.foreign_key else self.key
        token = jwt.encode(
            {"alg": "RS256", "kid": key.kid, "typ": "JWT"}, self._claims(pending, nonce, hostile), key
        )
        return tamper(token) if hostile.tampered else token

    # --- endpoints ------------------------------------------------------------------------------

    async def _jwks(self, request: Request) -> Response:
        self.calls["jwks"] += 1
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def _auth(self, request: Request) -> Response:
        self.calls["auth"] += 1
        query = request.query_params
        expected = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
        }
        for name, value in expected.items():
            if query.get(name) != value:
                return PlainTextResponse(f"invalid {name}", status_code=400)
        if not query.get("nonce"):
            return PlainTextResponse("missing nonce", status_code=400)
        with self._lock:
            pending = self._pending.pop(query.get("lti_message_hint", ""), None)
            hostile, self._next = self._next, None
        if pending is None:
            return PlainTextResponse("no pending login for this lti_message_hint", status_code=400)
        if query.get("login_hint") != pending.user.sub:
            return PlainTextResponse("login_hint does not match the pending login", status_code=400)
        hostile = hostile or pending.hostile
        token = self._id_token(pending, query["nonce"], hostile)
        fields = {"id_token": token}
        if "state" in query and not hostile.drop_state:
            fields["state"] = query["state"]
        self.last_id_token = token
        self._last_form = (self.redirect_uri, fields)
        inputs = "".join(
            f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
            for name, value in fields.items()
        )
        return HTMLResponse(
            '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Connexion à l\'outil</title>'
            '<script src="/autosubmit.js" defer></script></head><body>'
            f'<form method="post" action="{escape(self.redirect_uri)}">{inputs}'
            '<noscript><button type="submit">Continuer</button></noscript></form></body></html>'
        )

    async def _tool_keys(self) -> KeySet:
        if self._tool_jwks is not None:
            return KeySet.import_key_set(self._tool_jwks())  # type: ignore[arg-type]
        async with httpx2.AsyncClient(timeout=10) as client:
            answer = await client.get(f"{self.tool_base}/lti/jwks.json")
            answer.raise_for_status()
            return KeySet.import_key_set(answer.json())

    async def _tool_jwt(self, token: str, audience: str) -> dict[str, Any]:
        """The claims of a JWT the tool signed (iss = client_id, aud, exp checked)."""
        keys = await self._tool_keys()
        claims = jwt.decode(token, keys, algorithms=["RS256"]).claims
        jwt.JWTClaimsRegistry(
            leeway=5,
            iss={"essential": True, "value": self.client_id},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
        ).validate(claims)
        return claims

    async def _deep_link_return(self, request: Request) -> Response:
        self.calls["deep_link_return"] += 1
        token = (await request.form()).get("JWT")
        if not isinstance(token, str):
            return PlainTextResponse("the form carries no JWT", status_code=400)
        try:
            claims = await self._tool_jwt(token, self.issuer)
        except (JoseError, ValueError, httpx2.HTTPError) as exc:
            return PlainTextResponse(f"deep linking response refused: {exc}", status_code=400)
        items = claims.get(DL + "content_items", [])
        with self._lock:
            problem = deep_link_problem(claims, self.deployment_id, self._dl_data)
            if problem:
                return PlainTextResponse(problem, status_code=400)
            self._dl_data.discard(claims[DL + "data"])
            for item in items:
                link = f"deep-{len(self.deep_links) + 1}"
                wants = item.get("lineItem")
                url = self._add_item(wants, link)["id"] if isinstance(wants, dict) else None
                self.deep_links.append(DeepLink(dict(item), link, url))
        return HTMLResponse(f"<!doctype html><p>{len(items)} contenu(s) ajouté(s).</p>")


def follow_launch(client: httpx2.Client, platform: Platform, params: Mapping[str, str]) -> httpx2.Response:
    """What a browser does with ``login_initiation``'s parameters: GET T/lti/login, follow the tool's
    redirect to /auth, and POST the form the platform answers to the tool. The tool's answer."""
    login = client.get(f"{platform.tool_base}/lti/login", params=dict(params))
    if not login.is_redirect or not login.headers["location"].startswith(platform.auth_url):
        return login
    page = client.get(login.headers["location"])
    if page.status_code != 200:
        return page
    action, fields = platform.form_fields(page.text)
    return client.post(action, data=fields)


@contextlib.contextmanager
def running_platform(
    tool_base: str | None = None, *, tool_jwks: Callable[[], dict[str, Any]] | None = None
) -> Iterator[Platform]:
    """A platform on a free loopback port; the tool may be registered now or by the first login."""
    port = free_port()
    platform = Platform(f"http://127.0.0.1:{port}", tool_base, tool_jwks)
    with serving(platform.app, port):
        yield platform
