"""The service in a real browser (headless Chromium driven by Playwright): a student logs
in by link, hands in, sees the receipt and the queue, then the feedback; another student
cannot open it; the instructor holds the scores, adjusts a question and releases, and the
student then sees the adjusted score. Screenshots of each page are saved (``TPGRADE_SCREENSHOTS`` names the
folder; by default one under pytest's temporary folder) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from live_service import running_service
from test_service import REFERENCE, grade_as_a_worker

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


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[str, str, dict[str, str]]]:
    """A running service on loopback: (its address, its database, students' tokens)."""
    _browser_or_skip()
    with running_service(database_url) as live:
        yield live.address, live.database, live.tokens


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

        prof = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
        prof.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        prof.goto(f"{address}/login/{tokens['prof']}")
        prof.click("text=TP day2")
        prof.click("button:has-text('Retenir les notes')")
        page.evaluate("window.stillTheSamePage = true")
        with psycopg.connect(url, autocommit=True) as db:  # a worker takes the job
            db.execute(b"UPDATE procrastinate_jobs SET status = 'doing'")
        page.get_by_text("Correction en cours").wait_for(timeout=15_000)  # pushed over SSE
        assert page.evaluate("window.stillTheSamePage === true"), "updated in place, not reloaded"
        page.screenshot(path=str(shots / "service_running_live.png"), full_page=True)
        grade_as_a_worker(url, status="doing")
        page.get_by_text("quand l'enseignant les publiera").wait_for(timeout=15_000)  # reloaded when done
        page.screenshot(path=str(shots / "service_graded_held.png"), full_page=True)
        prof.reload()
        prof.screenshot(path=str(shots / "service_instructor_cohort.png"), full_page=True)
        prof.click("text=Alice Martin")
        prof.select_option("select[name=question]", "mlp_forward")
        prof.fill("input[name=points]", "18,5")
        prof.fill("input[name=comment]", "variable globale utilisée")
        prof.click("button:has-text('Ajuster')")
        assert "18,5 / 21" in prof.content()
        prof.screenshot(path=str(shots / "service_instructor_student.png"), full_page=True)
        prof.click("text=← la promotion")
        prof.click("button:has-text('Publier les notes')")
        assert "Notes publiées le" in prof.content()
        prof.click("text=bilan et graphiques")
        assert "18,5" in prof.content() and "data:image/png;base64," in prof.content()
        prof.screenshot(path=str(shots / "service_instructor_summary.png"), full_page=True)
        prof.go_back()
        prof.click("text=code semblable")
        prof.screenshot(path=str(shots / "service_instructor_similarity.png"), full_page=True)
        page.reload()
        page.get_by_text("Note : 18,5 / 21").wait_for(timeout=15_000)
        assert "variable globale utilisée" in page.content()
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
        "service_graded_held.png",
        "service_home.png",
        "service_instructor_cohort.png",
        "service_instructor_similarity.png",
        "service_instructor_student.png",
        "service_instructor_summary.png",
        "service_other_student_404.png",
        "service_receipt_queued.png",
        "service_running_live.png",
    ]
