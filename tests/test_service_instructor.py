# ruff: noqa: F811  (url, alice, bruno: test_service's fixtures, taken as arguments)
"""The instructor's report pages and API of the web service: the day's summary with its plots,
the similarity report, Moodle's filled worksheet and feedback zip, the workers heard from;
and none of it open to a student or a stranger.

Runs the app in-process (Starlette's test client) on a database of the tests'
PostgreSQL server; grading is simulated by storing the result a worker would
store.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from test_service import REFERENCE, _logged_in, alice, bruno, client_of, url  # noqa: F401 (fixtures)

from tpgrade import paths
from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.models import QuestionResult, SubmissionResult, Timings
from tpgrade.service.accounts import add_instructor, import_students
from tpgrade.service.web import ServiceConfig, create_app

HEADER = (
    "Identifier,Full name,Email address,Status,Grade,Maximum grade,Grade can be changed,"
    "Last modified (submission),Last modified (grade),Feedback comments"
)


@pytest.fixture
def app(url: str) -> Any:
    return create_app(ServiceConfig(database=url))


@pytest.fixture
def tokens(url: str, app: Any) -> dict[str, str]:
    """Three students' login tokens and an instructor's."""
    with psycopg.connect(url, autocommit=True) as db, db.transaction():
        issued, _ = import_students(
            db, [("Alice Martin", "a@x.fr"), ("Bruno Petit", "b@x.fr"), ("Chloé Roux", "c@x.fr")]
        )
        prof = add_instructor(db, "prof@x.fr")
    found = {item.account.name.split()[0].lower(): item.token for item in issued}
    return found | {"prof": prof.token}


@pytest.fixture
def instructor(app: Any, tokens: dict[str, str]) -> Iterator[TestClient]:
    yield from _logged_in(app, tokens["prof"])


@pytest.fixture
def prof(tokens: dict[str, str]) -> dict[str, str]:
    """The instructor's bearer header for the API."""
    return {"authorization": f"Bearer {tokens['prof']}"}


def csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, "the page has a CSRF field"
    return found.group(1)


def upload(client: TestClient, name: str, content: bytes) -> None:
    data = {"csrf": csrf(client, "/days/day2")}
    sent = client.post(
        "/days/day2/submissions", data=data, files={"file": (name, content)}, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text


def grade_as_a_worker(url: str, scores: dict[str, float]) -> None:
    """Store, for every queued job, the result a worker would store: ``scores[student]`` of 21."""
    with psycopg.connect(url, autocommit=True) as db:
        jobs = db.execute(b"SELECT args FROM procrastinate_jobs WHERE status = 'todo'").fetchall()
    store = PostgresStore(url)
    try:
        for (args,) in jobs:
            if args["student"] not in scores:
                continue  # graded already: a worker's first result stays
            score = scores[args["student"]]
            question = QuestionResult(
                name="mlp_forward",
                score=score,
                max_score=21.0,
                status="passed" if score == 21.0 else "failed",
                message="" if score == 21.0 else "écart de 0.5 sur la ligne 3",
            )
            store.record_first(
                SubmissionResult(
                    student=args["student"],
                    day=args["day"],
                    status="graded",
                    score=score,
                    max_score=21.0,
                    questions={"mlp_forward": question},
                    source_name="tp.py",
                    submission_hash=args["submission_hash"],
                    grader_version=args["grader_version"],
                    graded_at="2026-12-03T10:00:00+00:00",
                    timings=Timings(total_s=2.0),
                )
            )
    finally:
        store.close()


OWN_FUNCTION = """

def doubled_positives(values):
    total = 0
    for value in values:
        if value > 0:
            total += value * 2
    return total
"""


@pytest.fixture
def graded(alice: TestClient, bruno: TestClient, url: str) -> None:
    """Alice hands in the reference (21 / 21), Bruno the same code renamed, with a function of
    his own (10,5 / 21)."""
    upload(alice, "tp.py", REFERENCE.encode())
    renamed = REFERENCE.replace("def _", "def _b_").replace("# ", "# Bruno : ") + OWN_FUNCTION
    upload(bruno, "tp.py", renamed.encode())
    grade_as_a_worker(url, {"Alice Martin": 21.0, "Bruno Petit": 10.5})


def worksheet(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


ALICE_ROW = "Participant 1001,Alice Martin,a@x.fr,Submitted,,21.00,Yes,-,-,"
BRUNO_ROW = "Participant 1002,Bruno Petit,b@x.fr,Submitted,,21.00,Yes,-,-,"
OTHER_ROW = "Participant 1009,Zoé Autre,z@x.fr,No submission,,21.00,Yes,-,-,"


def shown(response: Any) -> str:
    """The page's text as the browser shows it (autoescaping undone)."""
    return html.unescape(response.text)


def moodle(client: TestClient, want: str, content: bytes | None) -> Any:
    data = {"csrf": csrf(client, "/instructor/days/day2"), "want": want}
    files = {"worksheet": ("feuille.csv", content or b"", "text/csv")} if content is not None else None
    return client.post("/instructor/days/day2/moodle", data=data, files=files)


# --- the summary -----------------------------------------------------------------------


def test_the_summary_page_shows_the_figures_and_the_plots(graded: None, instructor: TestClient) -> None:
    cohort = instructor.get("/instructor/days/day2").text
    assert 'href="/instructor/days/day2/summary"' in cohort
    page = instructor.get("/instructor/days/day2/summary")
    assert page.status_code == 200
    text = page.text
    assert "2 notés" in text and "moyenne 15,75" in text and "1 sur 2 ont la note maximale" in text
    assert text.count('src="data:image/png;base64,') == 1
    assert "1 × écart de # sur la ligne #" in text and "50 %" in text
    assert "médiane 2,00 s" in text
    assert "img-src 'self' data:" in page.headers["content-security-policy"]


def test_the_summary_page_of_a_day_without_results_says_so(instructor: TestClient) -> None:
    text = instructor.get("/instructor/days/day2/summary").text
    assert "Aucun rendu corrigé" in text and "data:image/png" not in text


def test_the_summary_api_returns_the_figures_and_the_plot(
    graded: None, app: Any, prof: dict[str, str]
) -> None:
    for client in client_of(app):
        figures = client.get("/api/v1/days/day2/summary", headers=prof).json()
        assert (figures["graded"], figures["mean"], figures["median"], figures["full_marks"]) == (
            2,
            15.75,
            15.75,
            1,
        )
        assert figures["statuses"] == {"graded": 2}
        (question,) = figures["questions"]
        assert question["name"] == "mlp_forward" and question["full_marks_share"] == 0.5
        assert question["failures"] == [{"message": "écart de # sur la ligne #", "count": 1}]
        assert base64.b64decode(figures["histograms_png"]).startswith(b"\x89PNG")
        bare = client.get("/api/v1/days/day2/summary", headers=prof, params={"plots": "false"}).json()
        assert bare["histograms_png"] is None and bare["mean"] == 15.75
        assert client.get("/api/v1/days/day9/summary", headers=prof).status_code == 404


def test_the_summary_applies_the_adjustments(graded: None, app: Any, prof: dict[str, str]) -> None:
    for client in client_of(app):
        body = {"student": "Bruno Petit", "question": "mlp_forward", "points": 21}
        assert client.post("/api/v1/days/day2/adjustments", headers=prof, json=body).status_code == 200
        figures = client.get("/api/v1/days/day2/summary", headers=prof, params={"plots": "false"}).json()
        assert (figures["mean"], figures["full_marks"]) == (21.0, 2)


# --- similarity --------------------------------------------------------------------------


def test_the_similarity_page_finds_the_renamed_copy(
    graded: None, instructor: TestClient, chloe: None
) -> None:
    assert 'href="/instructor/days/day2/similarity"' in instructor.get("/instructor/days/day2").text
    text = instructor.get("/instructor/days/day2/similarity").text
    row = re.search(
        r"<tr><td><a [^>]*>Alice Martin</a></td>\s*<td><a [^>]*>Bruno Petit</a></td>\s*<td>([\d,]+)</td>",
        text,
    )
    assert row and float(row.group(1).replace(",", ".")) >= 0.8
    assert "Chloé Roux" in text and "too little code of its own" in text  # the stub alone: not compared
    assert float(row.group(1).replace(",", ".")) < 1.0  # Bruno's own function counts
    strict = instructor.get("/instructor/days/day2/similarity", params={"seuil": "1"}).text
    assert "Bruno Petit</a>" not in strict and "Aucune paire au seuil de 1 ou au-dessus" in strict
    refused = instructor.get("/instructor/days/day2/similarity", params={"seuil": "beaucoup"})
    assert refused.status_code == 400 and "Seuil invalide" in refused.text


@pytest.fixture
def chloe(app: Any, tokens: dict[str, str], url: str) -> None:
    """Chloé hands in the untouched stub."""
    for client in _logged_in(app, tokens["chloé"]):
        upload(client, "tp_day2.ipynb", paths.stub_notebook("day2").read_bytes())
    grade_as_a_worker(url, {"Chloé Roux": 0.0})


def test_the_similarity_api_lists_the_pairs_and_the_notes(
    graded: None, chloe: None, app: Any, prof: dict[str, str]
) -> None:
    for client in client_of(app):
        found = client.get("/api/v1/days/day2/similarity", headers=prof).json()
        assert found["threshold"] == 0.8
        (pair,) = found["pairs"]
        assert (pair["first"], pair["second"]) == ("Alice Martin", "Bruno Petit")
        assert 0.8 <= pair["similarity"] < 1
        assert found["notes"] == [{"student": "Chloé Roux", "note": "skipped, too little code of its own"}]
        everyone = client.get("/api/v1/days/day2/similarity", headers=prof, params={"threshold": 0}).json()
        assert len(everyone["pairs"]) == 1  # Chloé's stub is not compared at all
        assert (
            client.get("/api/v1/days/day2/similarity", headers=prof, params={"threshold": 2}).status_code
            == 422
        )


def test_similarity_without_the_stub_is_refused_clearly(
    graded: None, instructor: TestClient, app: Any, prof: dict[str, str], tmp_path: Path, monkeypatch: Any
) -> None:
    (tmp_path / "assignments").mkdir()
    monkeypatch.setenv("TPGRADE_COURSE", str(tmp_path))
    page = instructor.get("/instructor/days/day2/similarity")
    assert (
        page.status_code == 400
        and "Le notebook de départ assignments/day2/tp_day2.ipynb est introuvable" in page.text
    )
    for client in client_of(app):
        answer = client.get("/api/v1/days/day2/similarity", headers=prof)
        assert answer.status_code == 400 and "stub notebook" in answer.json()["detail"]
    monkeypatch.setenv("TPGRADE_COURSE", str(tmp_path / "no-course-here"))  # no assignments/ at all
    page = instructor.get("/instructor/days/day2/similarity")
    assert page.status_code == 400 and "TPGRADE_COURSE" in page.text


# --- Moodle ------------------------------------------------------------------------------


def test_the_filled_worksheet_keeps_moodle_s_rows_and_fills_the_grades(
    graded: None, instructor: TestClient
) -> None:
    cohort = instructor.get("/instructor/days/day2").text
    assert 'enctype="multipart/form-data"' in cohort and 'name="worksheet"' in cohort
    answer = moodle(instructor, "worksheet", worksheet(ALICE_ROW, BRUNO_ROW, OTHER_ROW))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="moodle_worksheet_day2.csv"' in answer.headers["content-disposition"]
    assert (answer.headers["x-tpgrade-filled"], answer.headers["x-tpgrade-unmatched"]) == ("2", "0")
    rows = list(csv.DictReader(io.StringIO(answer.text, newline="")))
    assert [row["Identifier"] for row in rows] == ["Participant 1001", "Participant 1002", "Participant 1009"]
    assert [row["Grade"] for row in rows] == ["21.00", "10.50", ""]
    assert rows[0]["Feedback comments"].startswith("Note : 21 / 21.")
    assert "10,5/21" in rows[1]["Feedback comments"]
    assert rows[2]["Feedback comments"] == "" and rows[2]["Status"] == "No submission"


def test_a_bad_worksheet_is_a_clear_400_in_french(graded: None, instructor: TestClient) -> None:
    cases = [
        (b"nom,note\nAlice,3\n", "n'est pas une feuille d'évaluation Moodle"),
        ("Identifiant;Note\né;1\n".encode("latin-1"), "n'est pas du texte UTF-8"),
        (b"\n\n", "est vide"),
        (worksheet(OTHER_ROW), "Aucun des 2 étudiants notés n'est dans cette feuille"),
    ]
    for content, said in cases:
        answer = moodle(instructor, "worksheet", content)
        assert answer.status_code == 400 and said in shown(answer), (content, answer.text)
        assert "worksheet.csv" not in answer.text and "/tmp" not in answer.text
    missing = moodle(instructor, "worksheet", None)
    assert missing.status_code == 400 and "Choisissez la feuille" in missing.text
    unknown = moodle(instructor, "autre", worksheet(ALICE_ROW))
    assert unknown.status_code == 400
    forged = instructor.post(
        "/instructor/days/day2/moodle",
        data={"csrf": "forged", "want": "worksheet"},
        files={"worksheet": ("f.csv", worksheet(ALICE_ROW))},
    )
    assert forged.status_code == 403


def test_the_feedback_zip_files_each_page_under_its_participant(graded: None, instructor: TestClient) -> None:
    answer = moodle(instructor, "feedback", worksheet(ALICE_ROW, BRUNO_ROW))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert (answer.headers["x-tpgrade-feedback-pages"], answer.headers["x-tpgrade-left-out"]) == ("2", "0")
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert sorted(archive.namelist()) == [
        "Alice Martin_1001_assignfeedback_file_/retour_day2.html",
        "Bruno Petit_1002_assignfeedback_file_/retour_day2.html",
    ]
    page = archive.read("Bruno Petit_1002_assignfeedback_file_/retour_day2.html").decode()
    assert "Bruno Petit" in page and "10,5" in page and "Alice Martin" not in page
    partial = moodle(instructor, "feedback", worksheet(ALICE_ROW))
    assert partial.headers["x-tpgrade-left-out"] == "1"
    assert zipfile.ZipFile(io.BytesIO(partial.content)).namelist() == [
        "Alice Martin_1001_assignfeedback_file_/retour_day2.html"
    ]
    without = moodle(instructor, "feedback", None)  # handed in here: no participant number known
    assert without.status_code == 400 and "Aucun étudiant n'a de numéro de participant Moodle" in shown(
        without
    )


def test_the_moodle_api_fills_the_worksheet_and_makes_the_zip(
    graded: None, app: Any, prof: dict[str, str]
) -> None:
    for client in client_of(app):
        sent = {"file": ("w.csv", worksheet(ALICE_ROW, BRUNO_ROW), "text/csv")}
        filled = client.post("/api/v1/days/day2/moodle/worksheet", headers=prof, files=sent)
        assert filled.status_code == 200 and "10.50" in filled.text
        bad = client.post(
            "/api/v1/days/day2/moodle/worksheet", headers=prof, files={"file": ("w.csv", b"a,b\n")}
        )
        assert bad.status_code == 400 and "not a Moodle grading worksheet" in bad.json()["detail"]
        assert "/tmp" not in bad.json()["detail"]
        archive = client.post("/api/v1/days/day2/moodle/feedback.zip", headers=prof, files=sent)
        assert (
            archive.status_code == 200 and len(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == 2
        )
        none = client.post("/api/v1/days/day2/moodle/feedback.zip", headers=prof)
        assert none.status_code == 400 and "participant number" in none.json()["detail"]


# --- the workers -------------------------------------------------------------------------


def test_the_workers_and_their_last_heartbeat_are_shown(
    instructor: TestClient, app: Any, url: str, prof: dict[str, str]
) -> None:
    assert "Aucun correcteur connu" in instructor.get("/instructor/days/day2").text
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(b"INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())")
        db.execute(b"INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 hour')")
    page = instructor.get("/instructor/days/day2").text
    table = page[page.index('<table class="workers">') :]
    assert table.count("<tr><td>") == 2 and "actif" in table and "silencieux" in table
    for client in client_of(app):
        workers = client.get("/api/v1/workers", headers=prof).json()
        assert [worker["alive"] for worker in workers] == [True, False]
        assert all(set(worker) == {"id", "last_heartbeat", "alive"} for worker in workers)


# --- who may see it ----------------------------------------------------------------------


def test_students_and_strangers_find_none_of_it(
    graded: None, alice: TestClient, app: Any, tokens: dict[str, str]
) -> None:
    token = csrf(alice, "/days/day2")
    for path in ("/instructor/days/day2/summary", "/instructor/days/day2/similarity"):
        assert alice.get(path).status_code == 404, path
    sent = alice.post(
        "/instructor/days/day2/moodle",
        data={"csrf": token, "want": "worksheet"},
        files={"worksheet": ("f.csv", worksheet(ALICE_ROW))},
    )
    assert sent.status_code == 404
    bearer = {"authorization": f"Bearer {tokens['alice']}"}
    gets = ["/api/v1/days/day2/summary", "/api/v1/days/day2/similarity", "/api/v1/workers"]
    posts = ["/api/v1/days/day2/moodle/worksheet", "/api/v1/days/day2/moodle/feedback.zip"]
    for path in gets:
        assert alice.get(path, headers=bearer).status_code == 404, path
    for path in posts:
        files = {"file": ("f.csv", worksheet(ALICE_ROW))}
        assert alice.post(path, headers=bearer, files=files).status_code == 404, path
    for stranger in client_of(app):
        assert stranger.get("/instructor/days/day2/summary").status_code == 401
        assert stranger.get("/instructor/days/day2/similarity").status_code == 401
        assert stranger.post("/instructor/days/day2/moodle", data={"want": "feedback"}).status_code == 401
        for path in gets:
            assert stranger.get(path).status_code == 401, path
        for path in posts:
            assert stranger.post(path).status_code == 401, path


def test_the_report_routes_are_in_the_openapi_document_under_instructors(app: Any) -> None:
    for client in client_of(app):
        document = client.get("/api/v1/openapi.json").json()
        for path, method in [
            ("/api/v1/days/{day}/summary", "get"),
            ("/api/v1/days/{day}/similarity", "get"),
            ("/api/v1/days/{day}/moodle/worksheet", "post"),
            ("/api/v1/days/{day}/moodle/feedback.zip", "post"),
            ("/api/v1/workers", "get"),
        ]:
            assert document["paths"][path][method]["tags"] == ["instructors"], path
        assert "/instructor/days/{day}/summary" not in document["paths"]


# --- the cohort page in a browser --------------------------------------------------------


def test_the_cohort_page_reloads_itself_but_not_while_a_worksheet_is_chosen(
    database_url: str, tmp_path: Path
) -> None:
    from live_service import running_service
    from test_service_browser import CHROMIUM, FLAGS, _browser_or_skip

    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    sheet = tmp_path / "feuille.csv"
    sheet.write_bytes(worksheet(ALICE_ROW))
    with running_service(database_url) as live, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{live.address}/login/{live.tokens['prof']}")
        page.goto(f"{live.address}/instructor/days/day2")
        page.evaluate("window.marked = true")
        page.wait_for_function("() => window.marked === undefined", timeout=15_000)  # reloaded
        page.set_input_files("#worksheet", str(sheet))
        page.evaluate("window.marked = true")
        page.wait_for_timeout(11_000)
        assert page.evaluate("window.marked") is True  # the chosen file is kept
        browser.close()
    assert errors == []  # no script refused by the CSP
