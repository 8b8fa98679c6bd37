"""The web side's guards, as ASGI middleware: a bounded body that must keep coming, security
headers, a quiet log.

The body limit counts the bytes as they arrive (a missing or false
``Content-Length`` changes nothing): past the limit the request is answered
413 and what was read is dropped, so an oversize upload stores nothing. A
body that stalls (nothing for ``idle_s`` seconds) or crawls (not all there
after ``grace_s`` plus one second per ``BODY_MIN_RATE`` bytes) is
answered 408 and dropped the same way: a client trickling bytes holds a
connection for seconds, not for ever. The access log never holds a login
token (``/login/…`` is logged without it) and never a header.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import PlainTextResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("tpgrade.service")

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


BODY_GRACE_S = 30.0  # a body may always take this long …
BODY_MIN_RATE = 20_000  # … plus one second per this many bytes of its limit (bytes/s)


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


class Guards:
    """Wraps the app: body limit and pace, headers on every response, one log line per request."""

    def __init__(
        self, app: ASGIApp, max_body: int, idle_s: float = 20.0, grace_s: float = BODY_GRACE_S
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.idle_s = idle_s
        self.grace_s = grace_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = {"code": 0}
        seen = 0
        declared = _content_length(scope)
        whole_by = started + self.grace_s + (declared or self.max_body) / BODY_MIN_RATE

        complete = False

        async def limited_receive() -> Message:
            nonlocal seen, complete
            if complete:  # after the body, a receive waits for the disconnect: no deadline
                return await receive()
            wait = min(self.idle_s, whole_by - time.monotonic())
            try:
                message = await asyncio.wait_for(receive(), max(wait, 0.0))
            except TimeoutError:
                raise BodyTooSlow from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge
                complete = not message.get("more_body", False)
            return message

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                own = {k.lower() for k, _ in headers}  # a route's own policy (one form posted elsewhere)
                message["headers"] = [*headers, *(h for h in SECURITY_HEADERS if h[0] not in own)]
            await send(message)

        if declared is not None and declared > self.max_body:
            await _too_large(guarded_send, self.max_body)
            _log(scope, status["code"], started)
            return
        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:  # read outside a route (the app's handler answers inside one)
            if status["code"] == 0:
                await _too_large(guarded_send, self.max_body)
        except BodyTooSlow:
            if status["code"] == 0:
                await too_slow_response()(scope, _nothing, guarded_send)
        finally:
            _log(scope, status["code"], started)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def too_large_response(limit: int) -> PlainTextResponse:
    said = f"Envoi trop volumineux : la limite est de {limit / 1e6:g} Mo.\n"
    return PlainTextResponse(said, 413, headers={"connection": "close"})


def too_slow_response() -> PlainTextResponse:
    said = "Envoi interrompu : les données n'arrivaient plus. Vérifiez la connexion et renvoyez le fichier.\n"
    return PlainTextResponse(said, 408, headers={"connection": "close"})


async def _too_large(send: Send, limit: int) -> None:
    await too_large_response(limit)({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def logged_path(path: str) -> str:
    """The path as the log keeps it: a login link's token left out."""
    return "/login/…" if path.startswith("/login/") else path


def _log(scope: Scope, status: int, started: float) -> None:
    client = scope.get("client") or ("-", 0)
    elapsed = (time.monotonic() - started) * 1000
    log.info(
        "%s %s %s %d %.0f ms",
        client[0],
        scope.get("method", "-"),
        logged_path(scope["path"]),
        status,
        elapsed,
    )
