# ruff: noqa: F811  (url, tokens, alice: test_service's fixtures, taken as arguments)
"""The course's rules on the service: a day opens and closes by the server's clock, its
uploads per hour, its late policy by the receipt's time, and hidden scores held until the
release with the public checks' verdicts shown meanwhile; every mistake in the file is one
clear line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from test_service import (  # noqa: F401 (fixtures)
    REFERENCE,
    alice,
    app,
    grade_as_a_worker,
    rows,
    submission_id,
    tokens,
    upload,
    url,
)
from typer.testing import CliRunner

from tpgrade.commands.app import app as cli_app
from tpgrade.errors import InputError
from tpgrade.service.policy import load_course, store_rules

NOW = datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def course(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(text, encoding="utf-8")
    return path


def with_rules(url: str, tmp_path: Path, text: str) -> None:
    rules = load_course(course(tmp_path, text))
    with psycopg.connect(url, autocommit=True) as db, db.transaction():
        store_rules(db, rules)


def api(app: Any, token: str, method: str, path: str, **sent: Any) -> Any:
    with TestClient(app) as client:
        return client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **sent)


def test_a_day_not_open_yet_takes_nothing_and_says_when(
    alice: TestClient, app: Any, url: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    opens = NOW + timedelta(days=2)
    with_rules(url, tmp_path, f"[service.day2]\nopens = {stamp(opens)}\n")
    page = alice.get("/days/day2").text
    assert "Le rendu ouvre le" in page and 'type="file"' not in page
    refused = api(
        app,
        tokens["alice"],
        "POST",
        "/api/v1/submissions",
        data={"day": "day2"},
        files={"file": ("tp.py", REFERENCE)},
    )
    assert refused.status_code == 403 and "n'est pas encore ouvert" in refused.json()["detail"]
    assert "day2" not in api(app, tokens["alice"], "GET", "/api/v1/days").json()
    assert rows(url, "web_submissions") == 0 and rows(url, "procrastinate_jobs") == 0


def test_a_closed_day_keeps_its_history_and_refuses_uploads(
    alice: TestClient, app: Any, url: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    before = submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    with_rules(url, tmp_path, f"[service.day2]\ncloses = {stamp(NOW - timedelta(hours=1))}\n")
    page = alice.get("/days/day2").text
    assert "Le rendu a fermé le" in page and 'type="file"' not in page and before in page
    refused = upload(alice, "tp.py", (REFERENCE + "# later\n").encode())
    assert refused.status_code == 403 and "est fermé depuis le" in refused.text
    assert rows(url, "web_submissions") == 1
    done = CliRunner().invoke(cli_app, ["receipt", "key", "--database", url])
    assert done.exit_code == 0  # the rules leave the rest of the service alone


def test_uploads_per_hour_are_the_day_s_own(alice: TestClient, url: str, tmp_path: Path) -> None:
    with_rules(url, tmp_path, "[service.day2]\nuploads_per_hour = 2\n")
    for n in range(2):
        assert upload(alice, "tp.py", (REFERENCE + f"# {n}\n").encode()).status_code == 303
    third = upload(alice, "tp.py", (REFERENCE + "# 3\n").encode())
    assert third.status_code == 429 and "2 rendus par heure" in third.text


def test_a_late_hand_in_is_late_by_its_receipt_and_loses_the_penalty(
    alice: TestClient, app: Any, url: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    due = NOW - timedelta(days=1, hours=2)  # 1 day and 2 hours ago: 2 days late, begun
    with_rules(url, tmp_path, f"[late.day2]\ndue = {stamp(due)}\npenalty_per_day = 0.1\nmax_days = 5\n")
    page = alice.get("/days/day2").text
    assert "À rendre avant le" in page and "10 % de la note maximale" in page
    ident = submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    assert "en retard de 2 jour(s)" in alice.get(f"/submissions/{ident}").text
    grade_as_a_worker(url)
    graded = alice.get(f"/submissions/{ident}").text
    assert "16,8 / 21" in graded or "16.8 / 21" in graded  # 21 - 2 × 10 % × 21
    found = api(app, tokens["alice"], "GET", f"/api/v1/submissions/{ident}").json()
    assert found["days_late"] == 2 and found["late_penalty"] == pytest.approx(4.2)
    assert found["score"] == pytest.approx(16.8)


def test_an_on_time_hand_in_keeps_its_score(alice: TestClient, url: str, tmp_path: Path) -> None:
    due = NOW + timedelta(days=3)
    with_rules(url, tmp_path, f"[late.day2]\ndue = {stamp(due)}\npenalty_per_day = 0.5\n")
    ident = submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    grade_as_a_worker(url)
    page = alice.get(f"/submissions/{ident}").text
    assert "21 / 21" in page and "retard" not in page


def test_scores_on_release_show_the_public_verdicts_until_released(
    alice: TestClient, app: Any, url: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    with_rules(url, tmp_path, '[service.day2]\nscores = "on_release"\n')
    assert "La note est publiée par" in alice.get("/days/day2").text
    ident = submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    with psycopg.connect(url, autocommit=True) as db:
        job = db.execute(b"SELECT args FROM procrastinate_jobs").fetchone()
    assert job is not None and job[0]["options"]["public_checks"] is True  # the worker runs them too
    grade_as_a_worker(url)
    held = alice.get(f"/submissions/{ident}").text
    assert "Verdict des tests publics" in held and "softmax" in held and "21 / 21" not in held
    found = api(app, tokens["alice"], "GET", f"/api/v1/submissions/{ident}").json()
    assert found["held"] and found["score"] is None and found["public_checks"] == {"softmax": "failed"}
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(b"INSERT INTO day_releases VALUES ('day2', true, now())")  # the instructor releases
    assert "21 / 21" in alice.get(f"/submissions/{ident}").text


def test_scores_shown_at_once_ask_no_public_checks(alice: TestClient, url: str) -> None:
    submission_id(upload(alice, "tp.py", REFERENCE.encode()))
    with psycopg.connect(url, autocommit=True) as db:
        job = db.execute(b"SELECT args FROM procrastinate_jobs").fetchone()
    assert job is not None and job[0]["options"]["public_checks"] is False


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[service.day9]\n", "unknown day"),
        ("[service.day2]\ncloses = 2026-11-20T23:59:00\n", "needs a time zone"),
        (
            "[service.day2]\nopens = 2026-11-20T10:00:00+01:00\ncloses = 2026-11-19T10:00:00+01:00\n",
            "closes before it opens",
        ),
        ('[service.day2]\nscores = "later"\n', "service.day2.scores"),
        ("[service.day2]\nuploads_per_hour = 0\n", "service.day2.uploads_per_hour"),
        ("[service.day2]\nopen = 2026-11-20T10:00:00+01:00\n", "service.day2.open"),
        (
            "[service.day2]\ncloses = 2026-11-20T10:00:00+01:00\n"
            "[late.day2]\ndue = 2026-11-21T10:00:00+01:00\npenalty_per_day = 0.1\n",
            "nobody could be late",
        ),
        ("[late.day2]\ndue = 2026-11-21T10:00:00\npenalty_per_day = 0.1\n", "needs a time zone"),
        ("service = 3\n", "one table per day"),
        ("[service.day2\n", "not a readable TOML"),
    ],
)
def test_a_mistake_in_the_course_file_is_one_clear_line(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(InputError, match=said):
        load_course(course(tmp_path, text))


def test_serve_refuses_a_bad_course_file_before_starting(tmp_path: Path) -> None:
    bad = course(tmp_path, "[service.day2]\nscores = 'later'\n")
    done = CliRunner().invoke(cli_app, ["serve", "--course", str(bad), "--data", str(tmp_path / "db")])
    assert done.exit_code != 0 and "service.day2.scores" in done.output
    assert not (tmp_path / "db").exists()  # nothing started
