"""The web service as students and strangers meet it: log in by link, hand in, read the
receipt and the feedback; and every way in that is not theirs is closed.

Runs the app in-process (Starlette's test client) on a database of the tests'
PostgreSQL server; grading is the worker's, simulated here by storing the
result a worker would store (one test starts a real ``tpgrade worker``).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tpgrade import paths
from tpgrade.cluster.jobs import course_queues, init_database, publish_versions
from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.commands.app import app as cli_app
from tpgrade.errors import InputError
from tpgrade.models import QuestionResult, SubmissionResult
from tpgrade.service.accounts import import_students, revoke
from tpgrade.service.receipts import verify
from tpgrade.service.web import ServiceConfig, create_app

REFERENCE = paths.reference_file("day2").read_text(encoding="utf-8")


@pytest.fixture
def url(database_url: str) -> str:
    init_database(database_url)
    store = PostgresStore(database_url)
    try:
        publish_versions(store, "cpu", course_queues("cpu"))  # what a worker says at its start
    finally:
        store.close()
    return database_url


@pytest.fixture
def app(url: str) -> Any:
    return create_app(ServiceConfig(database=url, uploads_per_hour=5))


@pytest.fixture
def tokens(url: str, app: Any) -> dict[str, str]:
    """Three students' login tokens."""
    with psycopg.connect(url, autocommit=True) as db, db.transaction():
        issued, _ = import_students(
            db, [("Alice Martin", "a@x.fr"), ("Bruno Petit", "b@x.fr"), ("Chloé Roux", "c@x.fr")]
        )
    return {item.account.name.split()[0].lower(): item.token for item in issued}


def client_of(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def alice(app: Any, tokens: dict[str, str]) -> Iterator[TestClient]:
    yield from _logged_in(app, tokens["alice"])


@pytest.fixture
def bruno(app: Any, tokens: dict[str, str]) -> Iterator[TestClient]:
    yield from _logged_in(app, tokens["bruno"])


def _logged_in(app: Any, token: str) -> Iterator[TestClient]:
    for client in client_of(app):
        response = client.get(f"/login/{token}", follow_redirects=False)
        assert response.status_code == 303
        yield client


def csrf(client: TestClient, path: str = "/days/day2") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, "the page has a CSRF field"
    return found.group(1)


def upload(client: TestClient, name: str, content: bytes, day: str = "day2", token: str | None = None) -> Any:
    data = {"csrf": token if token is not None else csrf(client)}
    return client.post(
        f"/days/{day}/submissions", data=data, files={"file": (name, content)}, follow_redirects=False
    )


def submission_id(response: Any) -> str:
    assert response.status_code == 303, response.text
    return str(response.headers["location"].rsplit("/", 1)[-1])


def rows(url: str, table: str) -> int:
    with psycopg.connect(url, autocommit=True) as db:
        found = db.execute(f"SELECT count(*) FROM {table}".encode()).fetchone()
    return int(found[0]) if found else 0


def grade_as_a_worker(url: str, score: float = 21.0, status: str = "todo") -> None:
    """Store, for every job in ``status``, the result a worker would store (its hand-in time, and
    a public check's verdict when the job asks for them)."""
    with psycopg.connect(url, autocommit=True) as db:
        jobs = db.execute(
            b"SELECT args FROM procrastinate_jobs WHERE status = %s::procrastinate_job_status", (status,)
        ).fetchall()
    store = PostgresStore(url)
    try:
        for (args,) in jobs:
            question = QuestionResult(name="mlp_forward", score=score, max_score=21.0, status="passed")
            stored = store.submission(args["day"], args["student"], args["submission_hash"])
            assert stored is not None
            public = QuestionResult(name="softmax", score=0.0, max_score=0.0, status="failed")
            store.record_first(
                SubmissionResult(
                    student=args["student"],
                    day=args["day"],
                    status="graded",
                    score=score,
                    max_score=21.0,
                    questions={"mlp_forward": question},
                    public_checks={"softmax": public} if args["options"].get("public_checks") else {},
                    source_name="tp.py",
                    submission_hash=args["submission_hash"],
                    grader_version=args["grader_version"],
                    graded_at="2026-12-03T10:00:00+00:00",
                    submitted_at=datetime.fromtimestamp(stored.modified, UTC).isoformat(timespec="seconds"),
                )
            )
    finally:
        store.close()


# --- logging in ---------------------------------------------------------------------


def test_a_login_link_opens_a_session_in_an_httponly_samesite_cookie(
    app: Any, tokens: dict[str, str]
) -> None:
    for client in client_of(app):
        response = client.get(f"/login/{tokens['alice']}", follow_redirects=False)
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert tokens["alice"] not in response.headers["set-cookie"]  # the cookie holds no token
        assert "Alice Martin" in client.get("/").text


def test_a_cookie_replayed_after_logging_out_opens_nothing(app: Any, alice: TestClient) -> None:
    kept = dict(alice.cookies)  # a copy taken while logged in (a shared computer, a stolen cookie)
    assert alice.get("/days/day2").status_code == 200
    page = alice.get("/days/day2").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    assert alice.post("/logout", data={"csrf": token.group(1)}, follow_redirects=False).status_code == 303
    for replay in client_of(app):
        replay.cookies.update(kept)
        assert replay.get("/days/day2").status_code == 401
        assert "Alice Martin" not in replay.get("/").text


def test_a_wrong_or_revoked_token_opens_nothing_and_revoking_ends_the_session(
    app: Any, url: str, tokens: dict[str, str], alice: TestClient
) -> None:
    for client in client_of(app):
        assert client.get("/login/not-a-token").status_code == 403
        assert client.get("/days/day2").status_code == 401
    with psycopg.connect(url, autocommit=True) as db:
        assert revoke(db, "Alice Martin") == 1
    assert alice.get("/days/day2").status_code == 401
    assert "Alice Martin" not in alice.get("/").text
    assert alice.get(f"/login/{tokens['alice']}").status_code == 403


def test_login_attempts_per_address_are_limited(url: str, tokens: dict[str, str]) -> None:
    limited = create_app(ServiceConfig(database=url, logins_per_minute=3))
    for client in client_of(limited):
        codes = [client.get(f"/login/guess{n}", follow_redirects=False).status_code for n in range(4)]
        assert codes == [403, 403, 403, 429]
        assert client.get(f"/login/{tokens['alice']}", follow_redirects=False).status_code == 429


# --- handing in ----------------------------------------------------------------------


def test_a_hand_in_gives_a_signed_receipt_a_queue_position_then_the_feedback(
    alice: TestClient, url: str
) -> None:
    content = REFERENCE.encode()
    ident = submission_id(upload(alice, "tp_day2.py", content))
    page = alice.get(f"/submissions/{ident}").text
    assert ident in page and "en attente" in page and 'http-equiv="refresh"' in page
    import hashlib

    assert hashlib.sha256(content).hexdigest() in page
    signed = alice.get(f"/submissions/{ident}/receipt.jws").text
    receipt = verify(signed, alice.get("/.well-known/jwks.json").json()["keys"][0])
    assert (receipt.id, receipt.day, receipt.student) == (ident, "day2", "Alice Martin")
    assert receipt.sha256 == hashlib.sha256(content).hexdigest()
    assert rows(url, "procrastinate_jobs") == 1 and rows(url, "submissions") == 1
    grade_as_a_worker(url)
    graded = alice.get(f"/submissions/{ident}").text
    assert "corrigé" in graded and "21 / 21" in graded and 'http-equiv="refresh"' not in graded
    assert "mlp_forward" in graded


def test_a_second_hand_in_supersedes_the_first_visibly(alice: TestClient) -> None:
    first = submission_id(upload(alice, "a.py", REFERENCE.encode()))
    second = submission_id(upload(alice, "b.py", (REFERENCE + "\n# v2\n").encode()))
    assert "remplace" in alice.get(f"/submissions/{first}").text
    assert (
        "remplace" not in alice.get(f"/submissions/{second}").text.split("<h2>État")[1].split("</section>")[0]
    )
    history = alice.get("/days/day2").text
    assert history.count("/submissions/") >= 2


def test_a_refused_file_is_answered_at_once_with_the_reason_and_never_queued(
    alice: TestClient, url: str
) -> None:
    for name, content in [
        ("tp.ipynb", b"{not json"),
        ("tp.exe", b"MZ\x90\x00"),
        ("tp.py", b"\xff\xfe\x00bad"),
    ]:
        page = alice.get(f"/submissions/{submission_id(upload(alice, name, content))}").text
        assert "refusé" in page and "Fichier refusé" in page, name
    assert rows(url, "procrastinate_jobs") == 0 and rows(url, "results") == 0
    assert rows(url, "web_submissions") == 3


def test_a_closed_or_unknown_day_takes_nothing(alice: TestClient, url: str) -> None:
    assert alice.get("/days/day9").status_code == 404
    assert upload(alice, "tp.py", b"x = 1\n", day="day9", token=csrf(alice)).status_code == 404
    assert rows(url, "web_submissions") == 0


def test_uploads_per_hour_are_limited(alice: TestClient, url: str) -> None:
    codes = [upload(alice, "tp.py", f"x = {n}\n".encode()).status_code for n in range(6)]
    assert codes == [303] * 5 + [429]
    assert rows(url, "web_submissions") == 5


def test_uploads_per_address_are_limited_whoever_sends_them(url: str, tokens: dict[str, str]) -> None:
    app = create_app(ServiceConfig(database=url, uploads_per_minute_per_address=3))
    codes: list[int] = []
    for name in ("alice", "bruno", "chloé", "alice"):  # one address, several accounts
        for client in _logged_in(app, tokens[name]):
            codes.append(upload(client, "tp.py", f"x = {len(codes)}\n".encode()).status_code)
    assert codes == [303, 303, 303, 429]
    assert rows(url, "web_submissions") == 3


# --- what is not theirs ---------------------------------------------------------------


def test_another_student_s_submission_is_not_found_on_every_route(
    alice: TestClient, bruno: TestClient, app: Any, tokens: dict[str, str]
) -> None:
    ident = submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    for path in (f"/submissions/{ident}", f"/submissions/{ident}/receipt.jws"):
        assert alice.get(path).status_code == 200
        assert bruno.get(path).status_code == 404
        for stranger in client_of(app):
            assert stranger.get(path).status_code == 401
    api = f"/api/v1/submissions/{ident}"
    assert bruno.get(api).status_code == 401  # the API takes no cookie
    bearer = {"authorization": f"Bearer {tokens['bruno']}"}
    assert bruno.get(api, headers=bearer).status_code == 404
    assert bruno.get("/api/v1/submissions", headers=bearer).json() == []
    assert ident not in bruno.get("/").text and ident not in bruno.get("/days/day2").text
    mine = {"authorization": f"Bearer {tokens['alice']}"}
    assert bruno.get(api, headers=mine).json()["id"] == ident


def test_a_forged_or_missing_csrf_token_stores_nothing(
    alice: TestClient, bruno: TestClient, url: str
) -> None:
    other = csrf(bruno)
    for token in ("", "forged", other):
        assert upload(alice, "tp.py", b"x = 1\n", token=token).status_code == 403
    no_field = alice.post("/days/day2/submissions", files={"file": ("tp.py", b"x = 1\n")})
    assert no_field.status_code == 403
    assert rows(url, "web_submissions") == 0


def test_an_oversize_body_is_refused_while_streaming_and_stores_nothing(
    url: str, tokens: dict[str, str]
) -> None:
    small = create_app(ServiceConfig(database=url, max_upload_bytes=100_000))
    for client in _logged_in(small, tokens["alice"]):
        big = b"x = 1\n" * 40_000
        declared = upload(client, "tp.py", big)
        assert declared.status_code == 413
        assert "frame-ancestors" in declared.headers["content-security-policy"]
        token = csrf(client)

        def chunks(token: str) -> Iterator[bytes]:  # no Content-Length: the bytes are counted as they come
            boundary = b"--b0undary\r\n"
            yield boundary + b'Content-Disposition: form-data; name="csrf"\r\n\r\n' + token.encode() + b"\r\n"
            yield boundary + b'Content-Disposition: form-data; name="file"; filename="tp.py"\r\n\r\n'
            for _ in range(50):
                yield b"#" * 10_000
            yield b"\r\n--b0undary--\r\n"

        streamed = client.post(
            "/days/day2/submissions",
            content=chunks(token),
            headers={"content-type": "multipart/form-data; boundary=b0undary"},
        )
        assert streamed.status_code == 413
        assert "Envoi trop volumineux" in streamed.text
    assert rows(url, "web_submissions") == 0 and rows(url, "submissions") == 0


def test_malformed_multipart_is_a_clear_400(alice: TestClient, url: str) -> None:
    response = alice.post(
        "/days/day2/submissions",
        content=b'--x\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nabc',
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code in (400, 403)
    assert response.status_code != 500
    assert rows(url, "web_submissions") == 0


def test_hostile_file_names_are_shown_escaped_and_never_become_paths(
    alice: TestClient, tmp_path: Path
) -> None:
    names = [
        "../../../../tmp/evil<script>alert(1)</script>.py",
        "..\\..\\windows\\<img src=x onerror=alert(1)>.py",
        "\x1b[31mred\x1b[0m\u202e.py",
    ]
    for name in names:
        ident = submission_id(upload(alice, name, b"x = 1\n"))
        page = alice.get(f"/submissions/{ident}").text
        assert "<script>alert" not in page and "<img src=x" not in page and "\x1b" not in page
        assert "../" not in page.split("Fichier</dt>")[1].split("</dd>")[0]
    assert not Path("/tmp/evil<script>alert(1)</script>.py").exists()
    listing = alice.get("/days/day2").text
    assert "&lt;img src=x" in listing and "<img src=x" not in listing


def test_script_in_a_notebook_is_never_rendered(alice: TestClient, url: str) -> None:
    notebook = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": "<script>alert('x')</script>"}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    ident = submission_id(upload(alice, "<b>tp</b>.ipynb", json.dumps(notebook).encode()))
    grade_as_a_worker(url)
    page = alice.get(f"/submissions/{ident}").text
    assert "<script>alert" not in page and "<b>tp</b>" not in page


def test_every_response_carries_the_security_headers(alice: TestClient) -> None:
    for response in (
        alice.get("/"),
        alice.get("/days/day2"),
        alice.get("/nowhere"),
        alice.get("/static/tpgrade.css"),
    ):
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in alice.get("/days/day2").text.replace(
        '<script src="/static/depot.js" defer></script>', ""
    )


def test_a_forged_receipt_is_refused(alice: TestClient) -> None:
    ident = submission_id(upload(alice, "tp.py", b"x = 1\n"))
    signed = alice.get(f"/submissions/{ident}/receipt.jws").text.strip()
    key = alice.get("/.well-known/jwks.json").json()["keys"][0]
    header, payload, signature = signed.split(".")
    import base64

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["received_at"] = "2026-01-01T00:00:00+00:00"  # handed in "earlier"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    for token in (f"{header}.{forged}.{signature}", signed[:-4] + "AAAA", "garbage"):
        with pytest.raises(InputError, match="not one signed"):
            verify(token, key)


# --- the API ---------------------------------------------------------------------------


def test_the_api_hands_in_and_reports_the_status(app: Any, url: str, tokens: dict[str, str]) -> None:
    bearer = {"authorization": f"Bearer {tokens['chloé']}"}
    for client in client_of(app):
        assert (
            client.post(
                "/api/v1/submissions", data={"day": "day2"}, files={"file": ("tp.py", b"x")}
            ).status_code
            == 401
        )
        assert client.get("/api/v1/days", headers=bearer).json() == sorted(course_queues("cpu"))
        created = client.post(
            "/api/v1/submissions",
            headers=bearer,
            data={"day": "day2"},
            files={"file": ("tp.py", REFERENCE.encode())},
        )
        assert created.status_code == 201
        receipt = created.json()
        assert receipt["status"] == "queued" and receipt["student"] == "Chloé Roux"
        status = client.get(f"/api/v1/submissions/{receipt['id']}", headers=bearer).json()
        assert status["status"] == "queued" and status["queue_position"] == 0 and status["score"] is None
        grade_as_a_worker(url)
        status = client.get(f"/api/v1/submissions/{receipt['id']}", headers=bearer).json()
        assert (status["status"], status["score"], status["max_score"]) == ("graded", 21.0, 21.0)
        assert status["questions"]["mlp_forward"]["status"] == "passed"
        missing = client.post("/api/v1/submissions", headers=bearer, data={"day": "day2"})
        assert missing.status_code == 422
        assert client.get("/api/v1/submissions/nope", headers=bearer).status_code == 404
        document = client.get("/api/v1/openapi.json").json()
        assert {"/api/v1/submissions", "/api/v1/submissions/{submission_id}", "/api/v1/days"} <= set(
            document["paths"]
        )


def tpgrade_process(log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as stream:
        command = [sys.executable, "-m", "tpgrade", *args]
        return subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(condition: Any, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


@pytest.mark.slow
def test_a_real_worker_grades_a_hand_in_and_its_feedback_shows(
    alice: TestClient, url: str, tmp_path: Path
) -> None:
    with psycopg.connect(url, autocommit=True) as db:  # scores held: the worker runs the public tests too
        db.execute(b"INSERT INTO day_releases VALUES ('day2', true, NULL)")
    ident = submission_id(upload(alice, "tp_day2.py", REFERENCE.encode()))
    log = tmp_path / "worker.log"
    worker = tpgrade_process(log, "worker", "--database", url, "--processes", "1", "--sandbox", "process")
    try:
        wait_until(lambda: "corrigé" in alice.get(f"/submissions/{ident}").text, worker, log, 240)
        held = alice.get(f"/submissions/{ident}").text
        assert "Verdict des tests publics" in held and "softmax : réussi" in held and "Note :" not in held
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(b"UPDATE day_releases SET released_at = now()")
        page = alice.get(f"/submissions/{ident}").text
        assert re.search(r"Note : (\d+) / \1", page), page
    finally:
        worker.terminate()
        worker.wait(timeout=120)


# --- the commands ----------------------------------------------------------------------

runner = CliRunner()


def cli(*args: str) -> Any:
    return runner.invoke(cli_app, list(args))


MOODLE_FR = (
    "\ufeffPrénom;Nom;Adresse de courriel;Groupes\n"
    "Alice;Martin;a@x.fr;G1\n"
    "Zoé;Durand;z1@x.fr;G1\n"
    "Zoé;Durand;z2@x.fr;G2\n"
    ";;;\n"
)


def test_roster_import_writes_links_that_log_in_and_keeps_existing_accounts(
    url: str, tmp_path: Path, app: Any
) -> None:
    roster = tmp_path / "participants.csv"
    roster.write_text(MOODLE_FR, encoding="utf-8")
    links = tmp_path / "links.csv"
    done = cli("roster", "import", str(roster), "--database", url, "--out", str(links))
    assert done.exit_code == 0, done.output
    with links.open(encoding="utf-8") as stream:
        table = list(csv.DictReader(stream))
    assert [row["student"] for row in table] == [
        "Alice Martin",
        "Zoé Durand <z1@x.fr>",
        "Zoé Durand <z2@x.fr>",
    ]
    assert all(row["link"].endswith("/login/" + row["token"]) for row in table)
    assert oct(links.stat().st_mode & 0o777) == "0o600"
    again = cli("roster", "import", str(roster), "--database", url, "--out", str(links))
    assert again.exit_code == 3 and "would be lost" in again.output
    second = cli("roster", "import", str(roster), "--database", url, "--out", str(tmp_path / "more.csv"))
    assert "0 new account(s)" in second.output and "3 already there" in second.output
    for client in client_of(app):
        token = table[1]["token"]
        assert client.get(f"/login/{token}", follow_redirects=False).status_code == 303
        assert "Zoé Durand &lt;z1@x.fr&gt;" in client.get("/").text
    with psycopg.connect(url, autocommit=True) as db:
        stored = {row[0] for row in db.execute(b"SELECT token_hash FROM account_tokens").fetchall()}
    assert not {row["token"] for row in table} & stored  # only hashes are kept
    revoked = cli("roster", "revoke", "a@x.fr", "--database", url)
    assert revoked.exit_code == 0 and "1 token(s)" in revoked.output
    assert cli("roster", "revoke", "nobody", "--database", url).exit_code == 3


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("name;grade\nAlice;3\n", "needs an email column"),
        ("", "empty"),
        ("student,email\nAlice,\n", "row 2"),
    ],
)
def test_a_roster_that_cannot_be_used_is_one_clear_line(
    url: str, tmp_path: Path, text: str, said: str
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(text, encoding="utf-8")
    done = cli("roster", "import", str(roster), "--database", url, "--out", str(tmp_path / "links.csv"))
    assert done.exit_code == 3 and said in done.output and "Traceback" not in done.output
    assert not (tmp_path / "links.csv").exists()


def test_an_instructor_link_opens_the_instructor_page(url: str, app: Any) -> None:
    done = cli("instructor", "add", "prof@x.fr", "--database", url, "--public-url", "https://tp.example.org/")
    assert done.exit_code == 0, done.output
    link = done.output.strip()
    assert link.startswith("https://tp.example.org/login/")
    for client in client_of(app):
        client.get(link.removeprefix("https://tp.example.org"))
        page = client.get("/").text
        assert "File d'attente" in page and "prof@x.fr" in page
        assert client.get("/days/day2").status_code == 403
    assert cli("instructor", "add", "not-an-email", "--database", url).exit_code == 2


def test_receipt_verify_checks_a_receipt_offline(alice: TestClient, url: str, tmp_path: Path) -> None:
    content = b"x = 1\n"
    ident = submission_id(upload(alice, "tp.py", content))
    receipt = tmp_path / "recu.jws"
    receipt.write_text(alice.get(f"/submissions/{ident}/receipt.jws").text)
    key = tmp_path / "key.json"
    printed = cli("receipt", "key", "--database", url)
    key.write_text(printed.output)
    assert json.loads(printed.output) == alice.get("/.well-known/jwks.json").json()
    handed = tmp_path / "tp.py"
    handed.write_bytes(content)
    done = cli("receipt", "verify", str(receipt), "--key", str(key), "--file", str(handed))
    assert done.exit_code == 0, done.output
    assert f"id: {ident}" in done.output and "the file received" in done.output
    handed.write_bytes(b"x = 2\n")
    assert cli("receipt", "verify", str(receipt), "--key", str(key), "--file", str(handed)).exit_code == 3
    receipt.write_text(receipt.read_text().strip()[:-3] + "AAA")
    forged = cli("receipt", "verify", str(receipt), "--key", str(key))
    assert forged.exit_code == 3 and "do not trust" in forged.output


@pytest.mark.slow
def test_serve_without_a_database_runs_its_own_server_and_prints_the_instructor_link(tmp_path: Path) -> None:
    from postgres_server import server_or_skip, stop_quietly

    stop_quietly(server_or_skip(tmp_path / "probe"))  # skipped where PostgreSQL is missing
    from tpgrade.cluster.private_postgres import PostgresCluster, free_port

    data, port = tmp_path / "own", free_port()
    log = tmp_path / "serve.log"
    serving = tpgrade_process(log, "serve", "--data", str(data), "--port", str(port), "--workers", "0")
    try:
        wait_until(lambda: "instructor: http" in log.read_text(), serving, log, 120)
        link = log.read_text().split("instructor: ", 1)[1].split()[0]
        assert link.startswith(f"http://127.0.0.1:{port}/login/")
        roster = tmp_path / "roster.csv"
        roster.write_text("student,email\nAlice Martin,a@x.fr\n", encoding="utf-8")
        links = tmp_path / "links.csv"
        done = cli("roster", "import", str(roster), "--data", str(data), "--out", str(links))
        assert done.exit_code == 0, done.output
        import httpx2

        with httpx2.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(100):
                try:
                    client.get("/")
                    break
                except httpx2.TransportError:
                    time.sleep(0.1)
            client.get(link.split(str(port), 1)[1])
            assert "File d'attente" in client.get("/").text
        assert PostgresCluster(data).running()  # the command above left the service's server up
    finally:
        serving.terminate()
        serving.wait(timeout=60)
    assert not PostgresCluster(data).running()  # stopped with the service
    again = cli("receipt", "key", "--data", str(data))  # started for the command, stopped after
    assert again.exit_code == 0 and '"kty": "OKP"' in again.output
    assert not PostgresCluster(data).running()


# --- the instructor ----------------------------------------------------------------------


@pytest.fixture
def instructor(app: Any, url: str) -> Iterator[TestClient]:
    from tpgrade.service.accounts import add_instructor

    with psycopg.connect(url, autocommit=True) as db, db.transaction():
        issued = add_instructor(db, "prof@x.fr")
    yield from _logged_in(app, issued.token)


def instructor_csrf(client: TestClient) -> str:
    return csrf(client, "/instructor/days/day2")


def test_the_instructor_follows_the_cohort_adjusts_and_the_student_sees_it(
    alice: TestClient, instructor: TestClient, url: str
) -> None:
    ident = submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    page = instructor.get("/instructor/days/day2").text
    assert "Alice Martin" in page and "Bruno Petit" in page and "1 en attente" in page
    grade_as_a_worker(url, score=21.0)
    token = instructor_csrf(instructor)
    form = {
        "csrf": token,
        "student": "Alice Martin",
        "question": "mlp_forward",
        "points": "19,5",
        "comment": "voir TP",
    }
    assert (
        instructor.post("/instructor/days/day2/adjust", data=form, follow_redirects=False).status_code == 303
    )
    shown = alice.get(f"/submissions/{ident}").text
    assert (
        "19,5 / 21" in shown and "ajusté par l&#39;enseignant" in shown
    ) or "ajusté par l'enseignant" in shown
    assert "voir TP" in shown
    cohort = instructor.get("/instructor/days/day2?sort=score&q=alice").text
    assert "19,5" in cohort and "Bruno Petit" not in cohort
    student = instructor.get("/instructor/days/day2/student", params={"name": "Alice Martin"}).text
    assert "Ajuster une question" in student and "voir TP" in student
    gradebook = instructor.get("/instructor/days/day2/download/gradebook.csv")
    assert gradebook.status_code == 200 and "Alice Martin" in gradebook.text and "19.5" in gradebook.text
    results = instructor.get("/instructor/days/day2/download/results.json").json()
    assert results["submissions"][0]["score"] == 19.5
    bad = dict(form, points="beaucoup")
    assert instructor.post("/instructor/days/day2/adjust", data=bad).status_code == 400
    too_many = dict(form, points="30")
    refused = instructor.post("/instructor/days/day2/adjust", data=too_many)
    assert refused.status_code == 400 and "out of 21 points" in refused.text
    cleared = dict(form, clear="1")
    assert (
        instructor.post("/instructor/days/day2/adjust", data=cleared, follow_redirects=False).status_code
        == 303
    )
    assert "21 / 21" in alice.get(f"/submissions/{ident}").text


def test_held_scores_wait_for_the_release(
    alice: TestClient, instructor: TestClient, url: str, tokens: dict[str, str]
) -> None:
    token = instructor_csrf(instructor)
    instructor.post("/instructor/days/day2/release", data={"csrf": token, "action": "hold"})
    ident = submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    grade_as_a_worker(url)
    page = alice.get(f"/submissions/{ident}").text
    assert "corrigé" in page and "21 / 21" not in page and "quand l'enseignant les publiera" in page
    bearer = {"authorization": f"Bearer {tokens['alice']}"}
    held = alice.get(f"/api/v1/submissions/{ident}", headers=bearer).json()
    assert (held["status"], held["score"], held["questions"], held["held"]) == ("graded", None, {}, True)
    instructor.post("/instructor/days/day2/release", data={"csrf": token, "action": "release"})
    assert "21 / 21" in alice.get(f"/submissions/{ident}").text
    assert alice.get(f"/api/v1/submissions/{ident}", headers=bearer).json()["score"] == 21.0


def test_a_regrade_goes_after_the_students_hand_ins(
    alice: TestClient, bruno: TestClient, instructor: TestClient, url: str, tokens: dict[str, str]
) -> None:
    ident = submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    grade_as_a_worker(url)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(b"UPDATE procrastinate_jobs SET status = 'succeeded'")
    token = instructor_csrf(instructor)
    assert (
        instructor.post(
            "/instructor/days/day2/regrade", data={"csrf": token}, follow_redirects=False
        ).status_code
        == 303
    )
    assert "en attente" in alice.get(f"/submissions/{ident}").text  # its result goes with the re-grade
    fresh = submission_id(upload(bruno, "tp.py", (REFERENCE + "\n# Bruno\n").encode()))
    bearer = {"authorization": f"Bearer {tokens['bruno']}"}
    assert bruno.get(f"/api/v1/submissions/{fresh}", headers=bearer).json()["queue_position"] == 0
    mine = {"authorization": f"Bearer {tokens['alice']}"}
    assert alice.get(f"/api/v1/submissions/{ident}", headers=mine).json()["queue_position"] == 1


def test_students_and_strangers_find_no_instructor_route(
    alice: TestClient, app: Any, tokens: dict[str, str], instructor: TestClient
) -> None:
    token = csrf(alice)
    pages = [
        "/instructor/days/day2",
        "/instructor/days/day2/student?name=Alice%20Martin",
        "/instructor/days/day2/download/gradebook.csv",
    ]
    posts = ["/instructor/days/day2/adjust", "/instructor/days/day2/regrade", "/instructor/days/day2/release"]
    for path in pages:
        assert alice.get(path).status_code == 404, path
    for path in posts:
        assert alice.post(path, data={"csrf": token, "action": "release"}).status_code == 404, path
    bearer = {"authorization": f"Bearer {tokens['alice']}"}
    assert alice.get("/api/v1/days/day2/results", headers=bearer).status_code == 404
    for path, body in [
        ("adjustments", {"student": "Alice Martin", "question": "q", "points": 1}),
        ("regrade", {}),
        ("release", {"held": False, "released": True}),
    ]:
        assert alice.post(f"/api/v1/days/day2/{path}", headers=bearer, json=body).status_code == 404
    for stranger in client_of(app):
        assert stranger.get("/instructor/days/day2").status_code == 401
        assert stranger.get("/api/v1/days/day2/results").status_code == 401
    forged = instructor.post("/instructor/days/day2/release", data={"csrf": "forged", "action": "release"})
    assert forged.status_code == 403


def test_the_instructor_api_adjusts_regrades_and_releases(alice: TestClient, url: str, app: Any) -> None:
    from tpgrade.service.accounts import add_instructor

    with psycopg.connect(url, autocommit=True) as db, db.transaction():
        bearer = {"authorization": f"Bearer {add_instructor(db, 'prof@x.fr').token}"}
    submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    grade_as_a_worker(url)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(b"UPDATE procrastinate_jobs SET status = 'succeeded'")  # as the worker leaves it
    for client in client_of(app):
        body = {"student": "Alice Martin", "question": "mlp_forward", "points": 20, "comment": "ok"}
        assert client.post("/api/v1/days/day2/adjustments", headers=bearer, json=body).status_code == 200
        results = client.get("/api/v1/days/day2/results", headers=bearer).json()
        assert results[0]["score"] == 20 and "ajusté" in results[0]["questions"]["mlp_forward"]["adjustment"]
        unknown = client.post(
            "/api/v1/days/day2/adjustments", headers=bearer, json=dict(body, question="nope")
        )
        assert unknown.status_code == 400 and "no question" in unknown.json()["detail"]
        assert client.post("/api/v1/days/day2/release", headers=bearer, json={"held": True}).json() == {
            "done": "held"
        }
        assert client.post("/api/v1/days/day2/regrade", headers=bearer, json={}).json() == {
            "done": "1 job(s) queued"
        }
        assert client.get("/api/v1/days/day9/results", headers=bearer).status_code == 404


def test_a_damaged_own_server_folder_is_one_clear_line(tmp_path: Path) -> None:
    data = tmp_path / "own"
    data.mkdir()
    (data / "server.json").write_text("{not json", encoding="utf-8")
    done = cli("receipt", "key", "--data", str(data))
    assert done.exit_code == 5 and "is damaged" in done.output and "Traceback" not in done.output
