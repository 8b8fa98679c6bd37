"""Screenshots of a feedback page and of the cohort summary, in headless Chromium.

Grades the bundled demo cohort (Day 2) in a temporary folder, renders the
reports, and saves PNGs of the summary page and of two feedback pages (a
partly wrong submission and an empty one) for a person to look at. Run:

    python bench/report_screenshots.py [OUT_DIR]     (default: tpgrade-screenshots/)

Needs Playwright (pip install playwright) and Debian's chromium at
/usr/bin/chromium (``playwright install`` is not needed).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = {
    "summary": "summary_day2.html",
    "feedback_partial": "feedback/chloe.html",
    "feedback_empty": "feedback/gaspard.html",
}


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        demo = Path(scratch) / "demo"
        started = time.monotonic()
        subprocess.run(["tpgrade", "demo", "--out", str(demo)], check=True, capture_output=True)
        print(f"demo cohort graded and reported in {time.monotonic() - started:.1f} s")
        reports = demo / "reports" / "day2"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            for name, relative in PAGES.items():
                page.goto((reports / relative).as_uri())
                target = out / f"{name}.png"
                page.screenshot(path=str(target), full_page=True)
                links = page.locator("a").count()
                print(f"{target}: {page.title()!r}, {links} link(s)")
            page.goto((reports / PAGES["summary"]).as_uri())
            page.locator("a", has_text="chloe").click()
            print(f"summary link to chloe opens {page.url.rsplit('/', 2)[-2:]}: {page.title()!r}")
            browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("tpgrade-screenshots"))
