"""A test LTI 1.3 platform (an LMS stand-in, like Moodle) on loopback: the OIDC login and the launch,
deep linking, and the grade service's line items and scores (AGS 2.0), with knobs that make a launch
hostile. One tool is registered; its addresses follow the fixed contract T/lti/login, T/lti/launch and
T/lti/jwks.json."""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from html.parser import HTMLParser
from typing import Any

import httpx2
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from uvicorn_thread import serving

from tpgrade.cluster.private_postgres import free_port

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPE_LINEITEM = AGS_SCOPE + "lineitem"
SCOPE_LINEITEM_READ = AGS_SCOPE + "lineitem.readonly"
SCOPE_SCORE = AGS_SCOPE + "score"
SCOPE_RESULT_READ = AGS_SCOPE + "result.readonly"
AGS_SCOPES = frozenset({SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_SCORE, SCOPE_RESULT_READ})
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESOURCE_LAUNCH = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
AUTOSUBMIT = "document.forms[0].submit();\n"


@dataclass(frozen=True)
class User:
    sub: str
    given_name: str
    family_name: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @classmethod
    def of(cls, user: User | str) -> User:
        """A bare string is the user's id; the rest is made up from it."""
        if isinstance(user, User):
            return user
        return cls(user, user.capitalize(), "Test", f"{user}@platform.test")


@dataclass(frozen=True)
class Hostile:
    """What to spoil in one launch (all off: an honest launch)."""

    foreign_key: bool = False  # signed by a key /jwks does not hold (its own kid)
    audience: str | None = None  # aud other than the tool's client_id
    expired: bool = False  # iat ten minutes ago, exp five minutes ago
    deployment_id: str | None = None  # a deployment the tool was not given
    tampered: bool = False  # payload changed after signing (roles raised to Instructor)
    drop_state: bool = False  # the form posts id_token without state
    claims: Mapping[str, Any] = field(default_factory=dict)  # set these claims; None removes one


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


@dataclass(frozen=True)
class DeepLink:
    """A content item the tool returned, placed as a new resource link."""

    item: dict[str, Any]
    resource_link_id: str
    line_item: str | None  # the line item's URL when the item asked for one


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.action = values.get("action") or ""
        elif tag == "input" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""


def _new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True)


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims[LTI + "roles"] = [ROLE + "Instructor"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


class Platform:
    """The platform at ``issuer``; ``app`` is its Starlette application."""

    def __init__(
        self,
        issuer: str,
        tool_base: str | None = None,
        tool_jwks: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
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
        self.key = _new_key("platform-1")
        self._stranger = _new_key("stranger")
        self.tool_base: str | None = None
        self._tool_jwks = tool_jwks
        if tool_base:
            self.register_tool(tool_base, tool_jwks)
        self.down = False  # /token and /scores answer 503 while set
        self.outages = 0  # ... and for this many more calls
        self.stale_scores = "refuse"  # a score not later than the kept one: "refuse" (409) or "ignore"
        self.calls: Counter[str] = Counter()  # requests per endpoint
        self.deep_links: list[DeepLink] = []
        self.last_id_token: str | None = None
        self._lock = threading.Lock()
        self._pending: dict[str, Pending] = {}
        self._next: Hostile | None = None
        self._last_form: tuple[str, dict[str, str]] | None = None
        self._dl_data: set[str] = set()
        self._jtis: set[str] = set()
        self._tokens: dict[str, tuple[frozenset[str], float]] = {}
        self._items: dict[int, dict[str, Any]] = {}
        self._kept: dict[tuple[int, str], dict[str, Any]] = {}
        self.app = Starlette(
            routes=[
                Route("/jwks", self._jwks),
                Route("/autosubmit.js", lambda _: Response(AUTOSUBMIT, media_type="text/javascript")),
                Route("/auth", self._auth),
                Route("/token", self._token, methods=["POST"]),
                Route("/lineitems", self._lineitems, methods=["GET", "POST"]),
                Route("/lineitems/{item:int}", self._lineitem),
                Route("/lineitems/{item:int}/scores", self._scores, methods=["POST"]),
                Route("/deep_link_return", self._deep_link_return, methods=["POST"]),
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
        parser = _Forms()
        parser.feed(html)
        return parser.action, parser.fields

    def rotate_key(self) -> None:
        """A new signing key with a new kid; /jwks drops the old one."""
        self.key = _new_key(f"platform-{secrets.token_hex(3)}")

    def line_item(
        self, resource_link_id: str, *, score_maximum: float = 100, label: str | None = None
    ) -> str:
        """The URL of the resource link's line item, created (like Moodle's grade item) if need be."""
        with self._lock:
            for number, item in self._items.items():
                if item.get("resourceLinkId") == resource_link_id:
                    return f"{self.lineitems_url}/{number}"
            item = self._add_item(
                {"label": label or resource_link_id, "scoreMaximum": score_maximum}, resource_link_id
            )
            return str(item["id"])

    def results(self, resource_link_id: str) -> dict[str, dict[str, Any]]:
        """userId -> the score kept for the link's line item (scoreGiven None unless FullyGraded)."""
        url = self.line_item(resource_link_id)
        number = int(url.rsplit("/", 1)[1])
        with self._lock:
            return {user: dict(score) for (item, user), score in self._kept.items() if item == number}

    def _add_item(self, body: Mapping[str, Any], resource_link_id: str | None) -> dict[str, Any]:
        number = len(self._items) + 1
        item = {"id": f"{self.lineitems_url}/{number}", **body}
        if resource_link_id:
            item["resourceLinkId"] = resource_link_id
        self._items[number] = item
        return item

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
        return _tamper(token) if hostile.tampered else token

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

    def _gate(self, name: str) -> Response | None:
        """503 while the platform is down (counted as a call all the same)."""
        self.calls[name] += 1
        with self._lock:
            if self.down or self.outages > 0:
                self.outages = max(0, self.outages - 1)
                return PlainTextResponse("service unavailable", status_code=503)
        return None

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

    async def _token(self, request: Request) -> Response:
        if (refused := self._gate("token")) is not None:
            return refused
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type", "grant_type must be client_credentials")
        assertion = form.get("client_assertion")
        if form.get("client_assertion_type") != ASSERTION_TYPE or not isinstance(assertion, str):
            return _error(400, "invalid_request", "a jwt-bearer client_assertion is required")
        try:
            claims = await self._tool_jwt(assertion, self.token_url)
        except (JoseError, ValueError, httpx2.HTTPError) as exc:
            return _error(401, "invalid_client", f"client assertion refused: {exc}")
        jti = claims.get("jti")
        with self._lock:
            if claims.get("sub") != self.client_id or not jti or jti in self._jtis:
                return _error(401, "invalid_client", "sub must be the client_id and jti used once")
            self._jtis.add(str(jti))
            scopes = frozenset(str(form.get("scope", "")).split()) & AGS_SCOPES
            if not scopes:
                return _error(400, "invalid_scope", "ask for AGS scopes")
            access = secrets.token_urlsafe(24)
            self._tokens[access] = (scopes, time.time() + 3600)
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": " ".join(sorted(scopes)),
            }
        )

    def _bearer(self, request: Request, *allowed: str) -> Response | None:
        """None when the request's bearer token is live and holds one of ``allowed``."""
        header = request.headers.get("authorization", "")
        scopes, until = self._tokens.get(header.removeprefix("Bearer "), (frozenset(), 0.0))
        if not header.startswith("Bearer ") or until < time.time():
            return PlainTextResponse("a live bearer token is required", status_code=401)
        if not scopes & set(allowed):
            return PlainTextResponse("the token lacks the scope", status_code=403)
        return None

    async def _lineitems(self, request: Request) -> Response:
        self.calls["lineitems"] += 1
        if request.method == "GET":
            if (refused := self._bearer(request, SCOPE_LINEITEM, SCOPE_LINEITEM_READ)) is not None:
                return refused
            wanted = {"resourceLinkId": "resource_link_id", "tag": "tag", "resourceId": "resource_id"}
            items = [
                item
                for item in self._items.values()
                if all(
                    item.get(key) == request.query_params[q]
                    for key, q in wanted.items()
                    if q in request.query_params
                )
            ]
            return JSONResponse(items, media_type=CONTAINER_TYPE)
        if (refused := self._bearer(request, SCOPE_LINEITEM)) is not None:
            return refused
        body = await request.json()
        maximum = body.get("scoreMaximum") if isinstance(body, dict) else None
        if not isinstance(maximum, int | float) or maximum <= 0 or not body.get("label"):
            return PlainTextResponse("a line item needs a label and a positive scoreMaximum", status_code=400)
        with self._lock:
            item = self._add_item({k: v for k, v in body.items() if k != "id"}, None)
        return JSONResponse(item, status_code=201, media_type=LINEITEM_TYPE)

    async def _lineitem(self, request: Request) -> Response:
        self.calls["lineitem"] += 1
        if (refused := self._bearer(request, SCOPE_LINEITEM, SCOPE_LINEITEM_READ)) is not None:
            return refused
        item = self._items.get(request.path_params["item"])
        if item is None:
            return PlainTextResponse("no such line item", status_code=404)
        return JSONResponse(item, media_type=LINEITEM_TYPE)

    async def _scores(self, request: Request) -> Response:
        if (refused := self._gate("scores") or self._bearer(request, SCOPE_SCORE)) is not None:
            return refused
        number = request.path_params["item"]
        if number not in self._items:
            return PlainTextResponse("no such line item", status_code=404)
        if request.headers.get("content-type", "").split(";")[0].strip() != SCORE_TYPE:
            return PlainTextResponse(f"content-type must be {SCORE_TYPE}", status_code=415)
        score = await request.json()
        problem = _score_problem(score)
        if problem:
            return PlainTextResponse(problem, status_code=400)
        kept = dict(score)
        if kept.get("gradingProgress") != "FullyGraded":
            kept["scoreGiven"] = None  # as Moodle: no grade until the tool says it is final
        stamp = int(datetime.fromisoformat(score["timestamp"]).timestamp())
        with self._lock:
            previous = self._kept.get((number, score["userId"]))
            # Moodle compares whole seconds and refuses a score that is not later (409).
            if previous and int(datetime.fromisoformat(previous["timestamp"]).timestamp()) >= stamp:
                if self.stale_scores == "refuse":
                    return PlainTextResponse("Refusing score with an earlier timestamp", status_code=409)
                return Response(status_code=200)
            self._kept[(number, score["userId"])] = kept
        return Response(status_code=200)

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
            problem = _deep_link_problem(claims, self.deployment_id, self._dl_data)
            if problem:
                return PlainTextResponse(problem, status_code=400)
            self._dl_data.discard(claims[DL + "data"])
            for item in items:
                link = f"deep-{len(self.deep_links) + 1}"
                wants = item.get("lineItem")
                url = self._add_item(wants, link)["id"] if isinstance(wants, dict) else None
                self.deep_links.append(DeepLink(dict(item), link, url))
        return HTMLResponse(f"<!doctype html><p>{len(items)} contenu(s) ajouté(s).</p>")


def _score_problem(score: Any) -> str | None:
    """Why an AGS score is malformed, or None."""
    if not isinstance(score, dict) or not isinstance(score.get("userId"), str):
        return "a score needs a userId"
    if score.get("activityProgress") not in ACTIVITY or score.get("gradingProgress") not in GRADING:
        return "activityProgress and gradingProgress must be AGS values"
    try:
        if datetime.fromisoformat(str(score.get("timestamp"))).tzinfo is None:
            return "the timestamp needs a time zone"
    except ValueError:
        return "the timestamp must be ISO 8601"
    given, maximum = score.get("scoreGiven"), score.get("scoreMaximum")
    if given is not None and not (isinstance(maximum, int | float) and maximum > 0 and given >= 0):
        return "scoreGiven needs a positive scoreMaximum"
    return None


def _deep_link_problem(claims: Mapping[str, Any], deployment_id: str, issued: set[str]) -> str | None:
    """Why a deep linking response is refused, or None."""
    if claims.get(LTI + "message_type") != "LtiDeepLinkingResponse" or claims.get(LTI + "version") != "1.3.0":
        return "not an LTI 1.3.0 LtiDeepLinkingResponse"
    if claims.get(LTI + "deployment_id") != deployment_id:
        return "unknown deployment_id"
    if not claims.get("nonce"):
        return "missing nonce"
    if claims.get(DL + "data") not in issued:
        return "data does not echo a deep linking request's"
    items = claims.get(DL + "content_items", [])
    if not isinstance(items, list) or any(
        not isinstance(i, dict) or i.get("type") != "ltiResourceLink" for i in items
    ):
        return "only ltiResourceLink content items are accepted"
    return None


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
