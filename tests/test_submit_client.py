"""``tpgrade login``, ``tpgrade submit`` and the notebook's ``submit()`` against a running
service: local check, upload, receipt kept, progress, score; and one clear sentence for
each way it can fail (unreachable, wrong token, closed day, limit reached)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from live_service import Live, running_service
from test_service import REFERENCE, grade_as_a_worker
from typer.testing import CliRunner

from tpgrade.cluster.private_postgres import free_port
from tpgrade.commands.app import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # tpgrade login writes there
    for name in ("TPGRADE_TOKEN", "TPGRADE_SERVER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def live(database_url: str) -> Iterator[Live]:
    with running_service(database_url, uploads_per_hour=3) as service:
        yield service


@pytest.fixture
def grader(live: Live) -> Iterator[None]:
    """Grades every queued job as a worker would, until the test ends."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(0.2):
            with psycopg.connect(live.database, autocommit=True) as db:
                waiting = db.execute(
                    b"SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'"
                ).fetchone()
            if waiting and waiting[0]:
                grade_as_a_worker(live.database)
                with psycopg.connect(live.database, autocommit=True) as db:
                    db.execute(b"UPDATE procrastinate_jobs SET status = 'succeeded' WHERE status = 'todo'")

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


def work(tmp_path: Path) -> Path:
    path = tmp_path / "tp_day2.py"
    path.write_text(REFERENCE, encoding="utf-8")
    return path


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_login_then_submit_prints_the_receipt_and_the_score(live: Live, grader: None, tmp_path: Path) -> None:
    logged = cli("login", live.address, "--token", f"{live.address}/login/{live.tokens['alice']}")
    assert logged.exit_code == 0, logged.output
    assert "day2" in logged.output
    saved = tmp_path / "config" / "tpgrade" / "logins.json"
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    done = cli("submit", "day2", str(work(tmp_path)))
    assert done.exit_code == 0, done.output
    assert "Vérification locale" in done.output and "Rendu reçu le" in done.output
    assert "Note : 21 / 21" in done.output and f"{live.address}/submissions/" in done.output
    assert len(list(tmp_path.glob("recu-day2-*.jws"))) == 1


def test_the_notebook_submit_hands_in_the_saved_file(
    live: Live, grader: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tpgrade.notebook import submit

    assert submit("day2", work(tmp_path), server=live.address, token=live.tokens["bruno"])
    printed = capsys.readouterr().out
    assert "Note : 21 / 21" in printed and "Rendu reçu" in printed


def test_each_failure_is_one_sentence(live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = work(tmp_path)
    nowhere = f"http://127.0.0.1:{free_port()}"
    cases = [
        (["--server", nowhere, "--token", "x"], "serveur injoignable"),
        (["--server", live.address, "--token", "wrong"], "jeton refusé"),
        (["--server", "tp.example.org", "--token", "x"], "adresse de serveur invalide"),
        (["--server", live.address], "pas de jeton"),
    ]
    for options, said in cases:
        done = cli("submit", "day2", str(path), "--no-check", *options)
        assert done.exit_code in (2, 3) and said in done.output and "Traceback" not in done.output, (
            done.output
        )
        assert "Erreur :" in done.output  # the student's commands speak French
    closed = cli(
        "submit", "day9", str(path), "--no-check", "--server", live.address, "--token", live.tokens["alice"]
    )
    assert closed.exit_code == 3 and "pas ouvert" in closed.output
    monkeypatch.setenv("TPGRADE_TOKEN", live.tokens["alice"])
    codes = [
        cli("submit", "day2", str(path), "--no-check", "--no-wait", "--server", live.address)
        for _ in range(4)
    ]
    assert [c.exit_code for c in codes] == [0, 0, 0, 3]
    assert "limite de rendus atteinte" in codes[-1].output
    missing = cli("submit", "day2", str(tmp_path / "absent.ipynb"), "--server", live.address)
    assert missing.exit_code == 3 and "introuvable" in missing.output


def test_submit_follows_the_event_stream_until_done(live: Live, grader: None, tmp_path: Path) -> None:
    from tpgrade.course.submit import Service

    service = Service(live.address, live.tokens["alice"])
    ident = service.upload("day2", work(tmp_path))["id"]
    seen: list[dict[str, Any]] = []
    found = service.follow(ident, seen.append, deadline=float("inf"))
    assert found is not None and found["status"] == "graded" and found["score"] == 21.0
    assert seen[-1] is found and all(item["id"] == ident for item in seen)


def test_without_a_stream_submit_falls_back_to_asking(tmp_path: Path) -> None:
    import http.server
    import json as json_module

    from tpgrade.course.submit import Service

    class Plain(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # every path: a graded submission, as JSON (no event stream)
            body = json_module.dumps({"id": "x", "status": "graded"}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Plain)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        service = Service(f"http://127.0.0.1:{server.server_address[1]}", "t")
        assert service.follow("x", lambda _: None, deadline=float("inf")) is None
        assert service.wait("x", lambda _: None)["status"] == "graded"
    finally:
        server.shutdown()
        server.server_close()
