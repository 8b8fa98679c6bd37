# ruff: noqa: F811  (url: test_service's fixture, taken as an argument)
"""LTI 1.3 end to end without a Moodle: the test platform (tests/lti_platform.py) launches
students and instructors into the real service over loopback, the student hands in, a worker
grades, and the score reaches the platform's line item; every hostile launch is refused with a
clear page and creates nothing."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx2
import psycopg
import pytest
from lti_messages import DEEP_LINKING, User
from lti_platform import Platform, follow_launch, running_platform
from test_service import REFERENCE, grade_as_a_worker, rows, tpgrade_process, url, wait_until  # noqa: F401
from typer.testing import CliRunner
from uvicorn_thread import serving

from tpgrade.cluster.private_postgres import free_port
from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.commands.app import app as cli_app
from tpgrade.service.lti.passback import Passback
from tpgrade.service.web import ServiceConfig, create_app

ALICE = User("lms-user-17", "Alice", "Martin", "alice@univ.example")
PROF = User("lms-user-1", "Paule", "Prof", "prof@univ.example")


@dataclass(frozen=True)
class Site:
    tool: str
    database: str
    platform: Platform


@pytest.fixture
def site(url: str) -> Iterator[Site]:
    port = free_port()
    tool = f"http://127.0.0.1:{port}"
    app = create_app(ServiceConfig(database=url, public_url=tool))
    with serving(app, port), running_platform(tool) as platform:
        register = [
            "lti", "add-platform", "--issuer", platform.issuer, "--client-id", platform.client_id,
            "--deployment-id", platform.deployment_id, "--auth-url", platform.auth_url,
            "--token-url", platform.token_url, "--jwks-url", platform.jwks_url, "--database", url,
        ]  # fmt: skip
        done = CliRunner().invoke(cli_app, register)
        assert done.exit_code == 0 and "registered" in done.output, done.output
        yield Site(tool, url, platform)


@pytest.fixture
def browser() -> Iterator[httpx2.Client]:
    with httpx2.Client(timeout=30) as client:  # keeps cookies, follows no redirect by itself
        yield client


def launch(site: Site, client: httpx2.Client, user: User, **asked: Any) -> httpx2.Response:
    params = site.platform.login_initiation(site.tool, user, **asked)
    return follow_launch(client, site.platform, params)


def passback(site: Site) -> int:
    store = PostgresStore(site.database)
    try:
        return Passback(store).once()
    finally:
        store.close()


def hand_in(site: Site, client: httpx2.Client, content: str) -> str:
    page = client.get(f"{site.tool}/days/day2").text
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    sent = client.post(
        f"{site.tool}/days/day2/submissions",
        data={"csrf": found.group(1)},
        files={"file": ("tp_day2.py", content.encode())},
    )
    assert sent.status_code == 303, sent.text
    return str(sent.headers["location"].rsplit("/", 1)[1])


def counts(database: str) -> tuple[int, ...]:
    return tuple(rows(database, table) for table in ("accounts", "lti_users", "web_sessions", "lti_grades"))


def make_due(database: str) -> None:
    with psycopg.connect(database, autocommit=True) as db:
        db.execute(b"UPDATE lti_outbox SET next_at = now()")


@pytest.mark.slow
def test_a_student_launched_from_the_course_hands_in_and_the_score_reaches_the_platform(
    site: Site, browser: httpx2.Client, tmp_path: Path
) -> None:
    arrived = launch(site, browser, ALICE, custom={"day": "day2"})
    assert arrived.status_code == 303 and arrived.headers["location"] == "/days/day2", arrived.text
    page = browser.get(f"{site.tool}/days/day2").text
    assert "Alice Martin" in page and 'type="file"' in page  # known without a login link
    ident = hand_in(site, browser, REFERENCE)
    log = tmp_path / "worker.log"
    worker = tpgrade_process(
        log, "worker", "--database", site.database, "--processes", "1", "--sandbox", "process"
    )
    try:
        wait_until(
            lambda: "corrigé" in browser.get(f"{site.tool}/submissions/{ident}").text, worker, log, 240
        )
    finally:
        worker.terminate()
        worker.wait(timeout=120)
    shown = re.search(r"Note : ([\d,]+) / ([\d,]+)", browser.get(f"{site.tool}/submissions/{ident}").text)
    assert shown is not None
    assert passback(site) == 1
    score = site.platform.results("link-1")[ALICE.sub]
    assert score["scoreGiven"] == float(shown.group(1).replace(",", "."))
    assert score["scoreMaximum"] == float(shown.group(2).replace(",", "."))
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert "tpgrade" in score["comment"]
    assert passback(site) == 0  # nothing changed: nothing posted again


def test_adjustments_post_again_and_a_platform_down_gets_the_score_once_back_up(
    site: Site, browser: httpx2.Client
) -> None:
    assert launch(site, browser, ALICE, custom={"day": "day2"}).status_code == 303
    hand_in(site, browser, REFERENCE)
    grade_as_a_worker(site.database)
    assert passback(site) == 1
    first = site.platform.results("link-1")[ALICE.sub]
    assert first["scoreGiven"] == 21.0

    def adjust(points: str) -> None:
        done = CliRunner().invoke(
            cli_app,
            [
                "adjust",
                "day2",
                "Alice Martin",
                "mlp_forward",
                points,
                "--comment",
                "vu",
                "--database",
                site.database,
            ],
        )
        assert done.exit_code == 0, done.output

    adjust("18")
    site.platform.down = True
    assert passback(site) == 0  # refused: kept in the outbox, tried again later
    with psycopg.connect(site.database, autocommit=True) as db:
        state = db.execute(b"SELECT status, attempts, last_error FROM lti_outbox").fetchone()
    assert state is not None and state[0] == "pending" and state[1] == 1 and "503" in state[2]
    adjust("17")  # changed again while the platform was down: only the latest goes
    site.platform.down = False
    make_due(site.database)
    assert passback(site) == 1
    latest = site.platform.results("link-1")[ALICE.sub]
    assert latest["scoreGiven"] == 17.0 and latest["timestamp"] > first["timestamp"]
    assert site.platform.calls["token"] == 3  # the first, the refused one, the latest
    assert site.platform.calls["scores"] == 2  # the score arrived once, the latest
    with httpx2.Client(timeout=30) as prof:  # the instructor, launched from the same link, sees it
        arrived = launch(site, prof, PROF, roles=("Instructor",), custom={"day": "day2"})
        assert arrived.status_code == 303 and arrived.headers["location"] == "/instructor/days/day2"
        cohort = prof.get(f"{site.tool}/instructor/days/day2").text
    assert "Note dans la plateforme" in cohort and "17/21 envoyée" in cohort


def test_scores_held_until_the_release_are_not_posted_before(site: Site, browser: httpx2.Client) -> None:
    with psycopg.connect(site.database, autocommit=True) as db:
        db.execute(b"INSERT INTO day_releases VALUES ('day2', true, NULL)")
    launch(site, browser, ALICE, custom={"day": "day2"})
    hand_in(site, browser, REFERENCE)
    grade_as_a_worker(site.database)
    assert passback(site) == 0 and site.platform.results("link-1") == {}
    with psycopg.connect(site.database, autocommit=True) as db:
        db.execute(b"UPDATE day_releases SET released_at = now()")
    assert passback(site) == 1 and site.platform.results("link-1")[ALICE.sub]["scoreGiven"] == 21.0


def test_an_instructor_adds_days_by_deep_linking_and_students_land_on_them(
    site: Site, browser: httpx2.Client
) -> None:
    arrived = launch(site, browser, PROF, roles=("Instructor",), message_type=DEEP_LINKING)
    assert arrived.status_code == 303 and arrived.headers["location"] == "/lti/deep-link"
    page = browser.get(f"{site.tool}/lti/deep-link").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf and "TP day2" in page
    answer = browser.post(f"{site.tool}/lti/deep-link", data={"csrf": csrf.group(1), "day": ["day2", "day4"]})
    assert answer.status_code == 200
    assert f"form-action 'self' {site.platform.issuer};" in answer.headers["content-security-policy"]
    action, fields = Platform.form_fields(answer.text)
    assert action == site.platform.deep_link_return_url
    back = browser.post(action, data=fields)
    assert back.status_code == 200, back.text
    placed = site.platform.deep_links
    assert [item.item["custom"]["day"] for item in placed] == ["day2", "day4"]
    link = placed[1]
    with httpx2.Client(timeout=30) as student:
        arrived = launch(
            site, student, ALICE, resource_link_id=link.resource_link_id, custom=link.item["custom"],
            target_link_uri=link.item["url"],
        )  # fmt: skip
        assert arrived.status_code == 303 and arrived.headers["location"] == "/days/day4"


HOSTILE = [
    ("foreign key", {"foreign_key": True}, "signature"),
    ("tampered", {"tampered": True}, "signature"),
    ("wrong audience", {"audience": "another-tool"}, "aud"),
    ("expired", {"expired": True}, "expiré"),
    ("unknown deployment", {"deployment_id": "999"}, "déploiement"),
    ("no state", {"drop_state": True}, "incomplet"),
    ("other version", {"claims": {"https://purl.imsglobal.org/spec/lti/claim/version": "1.1"}}, "version"),
    ("anonymous", {"claims": {"sub": None}}, "anonyme"),
]


@pytest.mark.parametrize(("knobs", "said"), [(k, s) for _, k, s in HOSTILE], ids=[n for n, _, _ in HOSTILE])
def test_a_hostile_launch_is_refused_with_a_clear_page_and_creates_nothing(
    site: Site, browser: httpx2.Client, knobs: dict[str, Any], said: str
) -> None:
    before = counts(site.database)
    site.platform.next_launch(**knobs)
    refused = launch(site, browser, ALICE, custom={"day": "day2"})
    assert refused.status_code in (400, 403), refused.text
    assert said in refused.text
    assert counts(site.database) == before
    assert browser.get(f"{site.tool}/days/day2").status_code == 401  # no session opened


def test_a_replayed_launch_or_one_from_another_browser_is_refused(site: Site, browser: httpx2.Client) -> None:
    assert launch(site, browser, ALICE, custom={"day": "day2"}).status_code == 303
    action, fields = site.platform.replay()
    again = browser.post(action, data=fields)  # its state cookie went with the launch
    assert again.status_code == 403 and "pas été commencé dans ce navigateur" in again.text
    browser.cookies.set("tpgrade_lti_state", fields["state"])  # even with the cookie kept: used once
    again = browser.post(action, data=fields)
    assert again.status_code == 403 and "déjà servi" in again.text
    browser.cookies.clear()
    fresh = browser.get(  # a new login of this browser: a new state, a new nonce
        f"{site.tool}/lti/login", params=site.platform.login_initiation(site.tool, ALICE)
    )
    new_state = parse_qs(urlparse(fresh.headers["location"]).query)["state"][0]
    again = browser.post(action, data={**fields, "state": new_state})  # the old token, the new state
    assert again.status_code == 403 and "nonce inattendu" in again.text
    before = counts(site.database)
    params = site.platform.login_initiation(site.tool, ALICE, custom={"day": "day2"})
    with httpx2.Client(timeout=30) as victim, httpx2.Client(timeout=30) as attacker:
        started = victim.get(f"{site.tool}/lti/login", params=params)
        page = victim.get(started.headers["location"])
        action, fields = Platform.form_fields(page.text)
        stolen = attacker.post(action, data=fields)  # the form posted from a browser that did not begin it
        assert stolen.status_code == 403 and "pas été commencé dans ce navigateur" in stolen.text
    assert counts(site.database) == before


def test_an_instructor_elsewhere_is_a_learner_in_this_course(site: Site, browser: httpx2.Client) -> None:
    roles = ("Learner", "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor")
    arrived = launch(site, browser, ALICE, roles=roles, custom={"day": "day2"})
    assert arrived.status_code == 303 and arrived.headers["location"] == "/days/day2"
    assert browser.get(f"{site.tool}/instructor/days/day2").status_code == 404
    with httpx2.Client(timeout=30) as assistant:
        ta = ("http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",)
        arrived = launch(site, assistant, PROF, roles=ta, custom={"day": "day2"})
        assert arrived.headers["location"] == "/instructor/days/day2"


def test_a_learner_on_an_instructor_link_gets_the_student_pages_only(
    site: Site, browser: httpx2.Client
) -> None:
    aimed = f"{site.tool}/instructor/days/day2?day=day2"
    arrived = launch(site, browser, ALICE, target_link_uri=aimed, resource_link_id="teachers-only")
    assert arrived.status_code == 303 and arrived.headers["location"] == "/days/day2"
    assert browser.get(f"{site.tool}/instructor/days/day2").status_code == 404
    assert browser.get(f"{site.tool}/lti/deep-link").status_code == 404


def test_a_learner_cannot_add_activities_and_unknown_platforms_are_refused(
    site: Site, browser: httpx2.Client
) -> None:
    before = counts(site.database)
    refused = launch(site, browser, ALICE, message_type=DEEP_LINKING)
    assert refused.status_code == 403 and "Seul un enseignant" in refused.text
    assert counts(site.database) == before
    stranger = browser.get(
        f"{site.tool}/lti/login", params={"iss": "https://elsewhere.example", "login_hint": "x"}
    )
    assert stranger.status_code == 403 and "pas enregistrée" in stranger.text


def test_the_tool_key_set_keeps_a_rotated_key_a_while(site: Site, browser: httpx2.Client) -> None:
    first = browser.get(f"{site.tool}/lti/jwks.json").json()["keys"]
    assert len(first) == 1 and first[0]["alg"] == "RS256" and "d" not in first[0]  # no private part
    done = CliRunner().invoke(cli_app, ["lti", "rotate-key", "--database", site.database])
    assert done.exit_code == 0, done.output
    second = browser.get(f"{site.tool}/lti/jwks.json").json()["keys"]
    assert {key["kid"] for key in second} == {first[0]["kid"], done.output.split()[-1]}


def test_the_lti_commands_list_remove_and_print_the_tool_configuration(site: Site) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["lti", "list", "--database", site.database])
    assert listed.exit_code == 0 and site.platform.issuer in listed.output
    config = runner.invoke(
        cli_app, ["lti", "tool-config", "--public-url", "https://tp.example.org", "--json"]
    )
    assert '"Initiate login URL": "https://tp.example.org/lti/login"' in config.output
    bad = runner.invoke(cli_app, ["lti", "add-platform", "--issuer", "moodle", "--client-id", "c",
                                  "--deployment-id", "1", "--auth-url", "x", "--token-url", "y",
                                  "--jwks-url", "z", "--database", site.database])  # fmt: skip
    assert bad.exit_code != 0 and "full http(s) URL" in bad.output
    removed = runner.invoke(cli_app, ["lti", "remove", site.platform.issuer, "--database", site.database])
    assert removed.exit_code == 0
    with httpx2.Client(timeout=30) as client:
        refused = launch(site, client, ALICE, custom={"day": "day2"})
        assert refused.status_code == 403


def test_in_a_browser_the_launch_and_the_deep_linking_answer_go_through_by_themselves(
    site: Site, tmp_path: Path
) -> None:
    from test_service_browser import CHROMIUM, FLAGS, _browser_or_skip

    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("TPGRADE_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    student = site.platform.login_initiation(site.tool, ALICE, custom={"day": "day2"})
    teacher = site.platform.login_initiation(
        site.tool, PROF, roles=("Instructor",), message_type=DEEP_LINKING
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        errors: list[str] = []
        page = browser.new_context().new_page()  # a new window, as Moodle's recommended setting opens it
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{site.tool}/lti/login?{urlencode(student)}")
        page.wait_for_url(f"{site.tool}/days/day2")  # the platform's form posted itself, the launch let in
        assert "Alice Martin" in page.content()
        page.screenshot(path=str(shots / "lti_student_day.png"), full_page=True)
        prof = browser.new_context().new_page()
        prof.on(  # the tool's pages only (the test platform serves no icon)
            "console",
            lambda message: (
                errors.append(message.text)
                if message.type == "error" and prof.url.startswith(site.tool)
                else None
            ),
        )
        prof.goto(f"{site.tool}/lti/login?{urlencode(teacher)}")
        prof.wait_for_url(f"{site.tool}/lti/deep-link")
        prof.check("input[value=day3]")
        prof.screenshot(path=str(shots / "lti_deep_link.png"), full_page=True)
        prof.click("button:has-text('Ajouter au cours')")
        prof.wait_for_url(site.platform.deep_link_return_url)  # posted back by itself, the CSP allowing it
        browser.close()
    assert [item.item["custom"]["day"] for item in site.platform.deep_links] == ["day3"]
    assert errors == [], errors


def test_a_day_that_did_not_move_is_not_read_again(site: Site, browser: httpx2.Client) -> None:
    launch(site, browser, ALICE, custom={"day": "day2"})
    hand_in(site, browser, REFERENCE)
    grade_as_a_worker(site.database)
    store = PostgresStore(site.database)
    try:
        rounds = Passback(store)
        assert rounds.once() == 1
        with psycopg.connect(site.database, autocommit=True) as db:
            db.execute(b"DELETE FROM lti_outbox")  # were the day read again, its score would come back
        assert rounds.once() == 0 and rows(site.database, "lti_outbox") == 0
        with psycopg.connect(site.database, autocommit=True) as db:
            db.execute(b"INSERT INTO day_releases VALUES ('day2', false, NULL)")  # the day moved
        assert rounds.once() == 1
    finally:
        store.close()


def test_a_link_made_without_a_day_takes_the_day_of_its_first_hand_in(
    site: Site, browser: httpx2.Client
) -> None:
    arrived = launch(site, browser, ALICE, resource_link_id="plain-link")  # no day=… anywhere
    assert arrived.status_code == 303 and arrived.headers["location"] == "/"
    assert "TP day2" in browser.get(f"{site.tool}/").text  # the days to choose from
    hand_in(site, browser, REFERENCE)
    grade_as_a_worker(site.database)
    assert passback(site) == 1
    assert site.platform.results("plain-link")[ALICE.sub]["scoreGiven"] == 21.0
    with httpx2.Client(timeout=30) as again:  # the link now is day2's, for everyone
        bruno = User("lms-user-18", "Bruno", "Petit", "bruno@univ.example")
        arrived = launch(site, again, bruno, resource_link_id="plain-link")
        assert arrived.headers["location"] == "/days/day2"


MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"


@pytest.mark.parametrize(
    ("role", "teaches", "learns"),
    [
        (MEMBERSHIP + "#Learner", False, True),
        (MEMBERSHIP + "/Learner#Learner", False, True),
        ("Learner", False, True),
        ("urn:lti:role:ims/lis/Learner", False, True),
        (MEMBERSHIP + "#Instructor", True, False),
        (MEMBERSHIP + "/Instructor#TeachingAssistant", True, False),
        ("urn:lti:role:ims/lis/Instructor", True, False),
        (MEMBERSHIP + "#ContentDeveloper", True, False),
        ("http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator", True, False),
        ("http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor", False, False),
        (MEMBERSHIP + "#Mentor", False, False),
    ],
)
def test_roles_in_every_form_platforms_send(role: str, teaches: bool, learns: bool) -> None:
    from tpgrade.service.lti.launch import _learns, _teaches

    assert (_teaches(role), _learns(role)) == (teaches, learns)
