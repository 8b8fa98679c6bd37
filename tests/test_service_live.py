# ruff: noqa: F811  (url, tokens, alice, bruno: test_service's fixtures, taken as arguments)
"""Live pages: a pending hand-in's page and the API follow its grading over Server-Sent Events,
fed by one shared poll of the database; another student's stream is not found."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from test_service import (  # noqa: F401 (fixtures)
    REFERENCE,
    _logged_in,
    alice,
    bruno,
    grade_as_a_worker,
    submission_id,
    tokens,
    upload,
    url,
)

from tpgrade.service.live import Watcher
from tpgrade.service.status import HandIn
from tpgrade.service.web import ServiceConfig, create_app


@pytest.fixture
def app(url: str) -> Any:
    return create_app(ServiceConfig(database=url, live_interval_s=0.05, stream_s=8.0))


def events(response: Any) -> Iterator[tuple[str, Any]]:
    """The (event, data) pairs of an SSE response, as they arrive."""
    name = ""
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name, json.loads(line.removeprefix("data: "))
            name = ""


def later(seconds: float, action: Any) -> threading.Thread:
    def run() -> None:
        time.sleep(seconds)
        action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_the_page_stream_says_the_state_then_done_once_graded(alice: TestClient, url: str) -> None:
    ident = submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    page = alice.get(f"/submissions/{ident}").text
    assert f'data-events="/submissions/{ident}/events"' in page and "/static/live.js" in page
    assert '<noscript><meta http-equiv="refresh"' in page  # the fallback without JavaScript
    grading = later(0.5, lambda: grade_as_a_worker(url))
    started = time.monotonic()
    with alice.stream("GET", f"/submissions/{ident}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-accel-buffering"] == "no"
        seen = list(events(response))
    grading.join()
    assert seen[0][0] == "state" and seen[0][1]["label"] == "en attente"
    assert "Le vôtre est le prochain." in seen[0][1]["text"]
    assert seen[-1] == ("done", {"state": "graded"})
    assert time.monotonic() - started < 5  # done came with the poll, not at the stream's end
    assert "21 / 21" in alice.get(f"/submissions/{ident}").text


def test_the_queue_position_is_pushed_as_it_changes(alice: TestClient, bruno: TestClient, url: str) -> None:
    submission_id(upload(bruno, "b.py", REFERENCE.encode()))
    mine = submission_id(upload(alice, "a.py", (REFERENCE + "\n# a\n").encode()))

    def bruno_taken() -> None:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(
                b"UPDATE procrastinate_jobs SET status = 'doing' WHERE args->>'student' = 'Bruno Petit'"
            )

    taking = later(0.5, bruno_taken)
    with alice.stream("GET", f"/submissions/{mine}/events") as response:
        texts = []
        for _name, data in events(response):
            texts.append(data["text"])
            if len(texts) == 2:
                break
    taking.join()
    assert texts[0].startswith("1 rendu(s) avant le vôtre.")
    assert texts[1].startswith("Le vôtre est le prochain.")


def test_the_api_stream_ends_with_the_scores_as_the_student_may_see_them(
    app: Any, url: str, tokens: dict[str, str]
) -> None:
    bearer = {"Authorization": f"Bearer {tokens['alice']}"}
    with TestClient(app) as client:
        sent = client.post(
            "/api/v1/submissions", headers=bearer, data={"day": "day2"}, files={"file": ("tp.py", REFERENCE)}
        )
        ident = sent.json()["id"]
        grading = later(0.5, lambda: grade_as_a_worker(url))
        with client.stream("GET", f"/api/v1/submissions/{ident}/events", headers=bearer) as response:
            seen = list(events(response))
        grading.join()
    assert seen[0][0] == "state" and seen[0][1]["status"] == "queued" and seen[0][1]["queue_position"] == 0
    name, final = seen[-1]
    assert name == "done" and final["status"] == "graded" and final["score"] == 21.0 and final["id"] == ident


def test_another_student_s_stream_or_none_is_not_found(
    alice: TestClient, bruno: TestClient, app: Any, tokens: dict[str, str]
) -> None:
    ident = submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    assert bruno.get(f"/submissions/{ident}/events").status_code == 404
    assert bruno.get("/submissions/nothing-here/events").status_code == 404
    with TestClient(app) as stranger:
        assert stranger.get(f"/submissions/{ident}/events").status_code == 401
        assert stranger.get(f"/api/v1/submissions/{ident}/events").status_code == 401
        other = {"Authorization": f"Bearer {tokens['bruno']}"}
        assert stranger.get(f"/api/v1/submissions/{ident}/events", headers=other).status_code == 404
        # the API never takes the page's cookie
        assert alice.get(f"/api/v1/submissions/{ident}/events").status_code == 401


def test_a_pending_stream_ends_after_its_lifetime_so_the_browser_reconnects(
    url: str, tokens: dict[str, str]
) -> None:
    app = create_app(ServiceConfig(database=url, live_interval_s=0.05, stream_s=0.5))
    for client in _logged_in(app, tokens["alice"]):
        ident = submission_id(upload(client, "tp.py", REFERENCE.encode()))
        started = time.monotonic()
        with client.stream("GET", f"/submissions/{ident}/events") as response:
            seen = list(events(response))
        assert [name for name, _ in seen] == ["state"] and time.monotonic() - started < 5


# --- the shared poll, with a fake database --------------------------------------------


def pending(ident: str, position: int) -> HandIn:
    when = datetime(2026, 12, 4, tzinfo=UTC)
    return HandIn(ident, "day2", "s", "h", "v", "f.py", 1, when, "", "", "queued", position=position)


def test_one_poll_serves_every_watcher_and_stops_when_none_is_left() -> None:
    ids = [f"id{n}" for n in range(40)]
    state = {ident: pending(ident, 3) for ident in ids}
    polls: list[list[str]] = []

    def poll(asked: list[str]) -> dict[str, HandIn]:
        polls.append(sorted(asked))
        return {ident: state[ident] for ident in asked}

    async def watch(watcher: Watcher, ident: str) -> list[HandIn]:
        return [item async for item in watcher.changes(state[ident], lasting=5.0)]

    async def scenario() -> list[list[HandIn]]:
        watcher = Watcher(poll, interval=0.02)
        watching = [asyncio.create_task(watch(watcher, ident)) for ident in ids]
        await asyncio.sleep(0.1)
        for ident in ids:
            state[ident] = replace(state[ident], position=0)
        await asyncio.sleep(0.1)
        for ident in ids:
            state[ident] = replace(state[ident], state="graded", position=None)
        seen = await asyncio.gather(*watching)
        count = len(polls)
        await asyncio.sleep(0.1)
        assert len(polls) <= count + 1, "the poll goes on with nobody watching"
        return seen

    seen = asyncio.run(scenario())
    assert all([item.position for item in items] == [3, 0, None] for items in seen)
    assert all(asked == sorted(ids) for asked in polls[:5])  # every id in one poll
    assert len(polls) < 40  # one poll per tick, not one per watcher


def test_a_failed_poll_is_retried_and_the_watchers_wait() -> None:
    calls = {"n": 0}
    item = pending("x", 1)

    def poll(asked: list[str]) -> dict[str, HandIn]:
        calls["n"] += 1
        if calls["n"] < 3:
            raise OSError("the database is away")
        return {"x": replace(item, state="graded")}

    async def scenario() -> list[HandIn]:
        watcher = Watcher(poll, interval=0.02)
        return [seen async for seen in watcher.changes(item, lasting=5.0)]

    seen = asyncio.run(scenario())
    assert [found.state for found in seen] == ["queued", "graded"] and calls["n"] >= 3
