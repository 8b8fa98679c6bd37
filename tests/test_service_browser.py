"""The service in a real browser (headless Chromium driven by Playwright): a student logs
in by link, hands in, sees the receipt and the queue, then the feedback; another student
cannot open it. Screenshots of each page are saved (``TPGRADE_SCREENSHOTS`` names the
folder; by default one under pytest's temporary folder) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import uvicorn
from test_service import REFERENCE, grade_as_a_worker

from tpgrade.cluster.jobs import course_queues, init_database, publish_versions
from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.service.accounts import import_students
from tpgrade.service.web import ServiceConfig, create_app

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _browser_or_skip() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "Playwright (pip install playwright)"
    else:
        missing = "" if shutil.which(CHROMIUM) else f"Chromium at {CHROMIUM} (apt-get install chromium)"
    if missing:
        if os.environ.get("TPGRADE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"no browser here: {missing}")
        pytest.skip(f"no browser here: {missing}; CI sets TPGRADE_REQUIRE_BROWSER=1")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[str, str, dict[str, str]]]:
    """A running service on loopback: (its address, its database, students' tokens)."""
    _browser_or_skip()
    init_database(database_url)
    store = PostgresStore(database_url)
    try:
        publish_versions(store, "cpu", course_queues("cpu"))
    finally:
        store.close()
    port = _free_port()
    address = f"http://127.0.0.1:{port}"
    app = create_app(ServiceConfig(database=database_url, public_url=address))
    with psycopg.connect(database_url, autocommit=True) as db, db.transaction():
        issued, _ = import_students(db, [("Alice Martin", "a@x.fr"), ("Bruno Petit", "b@x.fr")])
    tokens = {item.account.name.split()[0].lower(): item.token for item in issued}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    yield address, database_url, tokens
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TPGRADE_SCREENSHOTS", tmp_path / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_student_hands_in_in_a_browser_and_another_cannot_look(
    site: tuple[str, str, dict[str, str]], shots: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    address, url, tokens = site
    notebook = tmp_path / "tp_day2.py"
    notebook.write_text(REFERENCE, encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        alice = browser.new_context(viewport={"width": 1100, "height": 900})
        page = alice.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{address}/login/{tokens['alice']}")
        assert "Bonjour Alice Martin" in page.content()
        page.screenshot(path=str(shots / "service_home.png"), full_page=True)
        page.click("text=TP day2")
        page.set_input_files("input[type=file]", str(notebook))
        page.screenshot(path=str(shots / "service_day.png"), full_page=True)
        page.click("button:has-text('Rendre')")
        page.wait_for_url("**/submissions/**")
        assert "en attente" in page.content() and "Reçu" in page.content()
        page.screenshot(path=str(shots / "service_receipt_queued.png"), full_page=True)
        own = page.url
        grade_as_a_worker(url)
        page.get_by_text("Note : 21 / 21").wait_for(timeout=15_000)  # the page refreshes itself
        page.screenshot(path=str(shots / "service_feedback.png"), full_page=True)
        with page.expect_download() as download:
            page.click("text=Télécharger le reçu signé")
        assert download.value.suggested_filename.endswith(".jws")
        assert errors == [], errors  # no script or style the CSP refused

        bruno = browser.new_context().new_page()
        bruno.goto(f"{address}/login/{tokens['bruno']}")
        response = bruno.goto(own)
        assert response is not None and response.status == 404
        assert "Rendu introuvable" in bruno.content() and "21 / 21" not in bruno.content()
        bruno.screenshot(path=str(shots / "service_other_student_404.png"), full_page=True)
        stranger = browser.new_context().new_page()
        response = stranger.goto(own)
        assert response is not None and response.status == 401
        browser.close()
    assert sorted(path.name for path in shots.glob("service_*.png")) == [
        "service_day.png",
        "service_feedback.png",
        "service_home.png",
        "service_other_student_404.png",
        "service_receipt_queued.png",
    ]
