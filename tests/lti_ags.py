"""The grade service half of the test LTI 1.3 platform (IMS AGS 2.0): the OAuth 2 token endpoint
(client credentials with a JWT assertion), line items and scores kept as Moodle keeps them, and the
``down`` and ``outages`` knobs that make /token and /scores answer 503."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx2
from joserfc.errors import JoseError
from lti_messages import (
    AGS_SCOPES,
    ASSERTION_TYPE,
    CONTAINER_TYPE,
    LINEITEM_TYPE,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READ,
    SCOPE_SCORE,
    SCORE_TYPE,
    score_problem,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


def _error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


class GradeService:
    """AGS endpoints and their state, mixed into the platform (which gives its URLs and the check of
    the tool's JWTs)."""

    client_id: str
    token_url: str
    lineitems_url: str

    def __init__(self) -> None:
        self.down = False  # /token and /scores answer 503 while set
        self.outages = 0  # ... and for this many more calls
        self.stale_scores = "refuse"  # a score not later than the kept one: "refuse" (409) or "ignore"
        self.calls: Counter[str] = Counter()  # requests per endpoint
        self._lock = threading.Lock()
        self._jtis: set[str] = set()
        self._tokens: dict[str, tuple[frozenset[str], float]] = {}
        self._items: dict[int, dict[str, Any]] = {}
        self._kept: dict[tuple[int, str], dict[str, Any]] = {}

    def grade_routes(self) -> list[Route]:
        return [
            Route("/token", self._token, methods=["POST"]),
            Route("/lineitems", self._lineitems, methods=["GET", "POST"]),
            Route("/lineitems/{item:int}", self._lineitem),
            Route("/lineitems/{item:int}/scores", self._scores, methods=["POST"]),
        ]

    async def _tool_jwt(self, token: str, audience: str) -> dict[str, Any]:
        """The claims of a JWT the tool signed: the platform's to say."""
        raise NotImplementedError

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

    def _gate(self, name: str) -> Response | None:
        """503 while the platform is down (counted as a call all the same)."""
        self.calls[name] += 1
        with self._lock:
            if self.down or self.outages > 0:
                self.outages = max(0, self.outages - 1)
                return PlainTextResponse("service unavailable", status_code=503)
        return None

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
        problem = score_problem(score)
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
