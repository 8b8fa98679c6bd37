"""The web guards' body pace: a stalled or crawling body is answered 408 and dropped; a
finished body, and a stream that waits for its client's disconnect, have no deadline."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import pytest
from live_service import running_service
from test_service import rows, url  # noqa: F401 (url: a fixture)

from tpgrade.service.guards import BodyTooSlow, Guards

Message = MutableMapping[str, Any]


def fake_client(
    chunks: list[tuple[float, bytes]], then_wait: float = 0.0
) -> Callable[[], Awaitable[Message]]:
    """A client that sends each chunk after its delay, then disconnects ``then_wait`` s later."""
    left = list(chunks)

    async def receive() -> Message:
        if left:
            delay, body = left.pop(0)
            await asyncio.sleep(delay)
            return {"type": "http.request", "body": body, "more_body": bool(left)}
        await asyncio.sleep(then_wait)
        return {"type": "http.disconnect"}

    return receive


async def reading_app(scope: Any, receive: Callable[[], Awaitable[Message]], send: Any) -> None:
    """Reads the whole body, then waits for the disconnect (as a stream does), then answers."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    if scope["method"] == "GET":
        assert (await receive())["type"] == "http.disconnect"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


def call(guards: Guards, method: str, receive: Callable[[], Awaitable[Message]], length: int | None) -> int:
    headers = [] if length is None else [(b"content-length", str(length).encode())]
    scope = {"type": "http", "method": method, "path": "/x", "headers": headers, "client": ("1.2.3.4", 1)}
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(guards(scope, receive, send))
    return int(sent[0]["status"])


def test_a_stalled_body_is_answered_408() -> None:
    guards = Guards(reading_app, max_body=1000, idle_s=0.2)
    assert call(guards, "POST", fake_client([(0.0, b"a" * 10), (0.5, b"b" * 10)]), 20) == 408


def test_a_crawling_body_is_answered_408_even_if_no_gap_is_long() -> None:
    guards = Guards(reading_app, max_body=1000, idle_s=0.2, grace_s=0.3)  # whole by 0.3 s + 1000 B / 20 kB/s
    crawl = [(0.1, b"x")] * 20  # 2 s in all, never 0.2 s of silence
    started = time.monotonic()
    assert call(guards, "POST", fake_client(crawl), None) == 408
    assert time.monotonic() - started < 1.5


def test_a_steady_body_and_a_long_wait_for_the_disconnect_pass() -> None:
    guards = Guards(reading_app, max_body=1000, idle_s=0.2)
    steady = [(0.1, b"x" * 10)] * 5
    assert call(guards, "POST", fake_client(steady), 50) == 200
    assert call(guards, "GET", fake_client([(0.0, b"")], then_wait=0.6), None) == 200  # a stream's life


def test_the_pace_error_is_raised_inside_a_route_too() -> None:
    seen: list[BaseException] = []

    async def app(scope: Any, receive: Callable[[], Awaitable[Message]], send: Any) -> None:
        try:
            await receive()
            await receive()
        except BodyTooSlow as exc:  # the service's handler turns it into its 408 page
            seen.append(exc)
            raise

    guards = Guards(app, max_body=1000, idle_s=0.1)
    assert call(guards, "POST", fake_client([(0.0, b"a"), (0.5, b"b")]), 2) == 408 and seen


BEGUN = (
    b'--b\r\nContent-Disposition: form-data; name="day"\r\n\r\nday2\r\n'
    b'--b\r\nContent-Disposition: form-data; name="file"; filename="tp.py"\r\n\r\n' + b"x = 1\n" * 30
)


@pytest.mark.parametrize("sent", [b"", BEGUN], ids=["headers only", "part of the file"])
def test_a_real_connection_that_stops_sending_is_closed_and_stores_nothing(
    url: str,  # noqa: F811
    sent: bytes,
) -> None:
    with running_service(url, body_idle_s=1.0) as live:
        token = live.tokens["alice"]
        port = int(live.address.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            head = (
                f"POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n"
            )
            connection.sendall(head.encode() + sent)
            started = time.monotonic()
            answer = b""
            while chunk := connection.recv(4096):
                answer += chunk
            waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert "les données n'arrivaient plus".encode() in answer
        assert 0.8 < waited < 8
    assert rows(url, "web_submissions") == 0
