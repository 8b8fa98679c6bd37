"""The JSON API against its own OpenAPI document, by schemathesis: every operation, called by
a student and by an instructor with generated parameters and bodies, answers no 500 and only
what the document says (status, content type, body schema); a generated upload leaves the
database consistent.

The app runs in process on a database of the tests' PostgreSQL server, with one graded
hand-in of another student, so the instructor's routes have results to show. Generation is
bounded and derandomized: the same cases on every run.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.core.result import Ok
from test_service import REFERENCE, grade_as_a_worker
from test_service import url as url  # the fixture: a database whose days are open

from tpgrade.cluster.jobs import job_lock
from tpgrade.service.accounts import add_instructor, import_students, token_hash
from tpgrade.service.web import ServiceConfig, create_app

OPENAPI = "/api/v1/openapi.json"
DAY = "day2"
GRADED = "Bruno Petit"  # another student, whose hand-in is graded before the cases run
# The file part of an upload: schemathesis's own, or its bytes (or the reference) under a name.
UPLOADS = ["generated", "tp.py generated", "tp.ipynb generated", "tp.py reference"]
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
CONFIG = schemathesis.Config.from_dict(
    {"seed": 20261203, "generation": {"max-examples": 25, "deterministic": True, "database": "none"}}
)


@pytest.fixture
def app(url: str) -> Any:
    return create_app(ServiceConfig(database=url, uploads_per_hour=40, stream_s=0.5))


@pytest.fixture(params=["student", "instructor"])
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def bearer(role: str, url: str, app: Any) -> dict[str, str]:
    """The role's bearer header, after a graded hand-in of another student."""
    with psycopg.connect(url, autocommit=True) as db, db.transaction():
        (bruno, alice), _ = import_students(db, [(GRADED, "b@x.fr"), ("Alice Martin", "a@x.fr")])
        prof = add_instructor(db, "prof@x.fr")
    with TestClient(app) as client:
        created = client.post(
            "/api/v1/submissions",
            headers={"authorization": f"Bearer {bruno.token}"},
            data={"day": DAY},
            files={"file": ("tp.py", REFERENCE.encode())},
        )
        assert created.status_code == 201, created.text
    grade_as_a_worker(url)
    return {"authorization": f"Bearer {(alice if role == 'student' else prof).token}"}


@pytest.fixture
def api_schema(app: Any, role: str) -> Any:
    """The document as the app serves it (``role`` makes the test run once per role)."""
    return schemathesis.openapi.from_asgi(OPENAPI, app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@schema.given(real=st.booleans(), upload=st.sampled_from(UPLOADS))
@settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(
    case: Any, real: bool, upload: str, bearer: dict[str, str], url: str
) -> None:
    if real:
        with_real_values(case, url, bearer)
    sent = as_uploaded(case, upload) if case.path == "/api/v1/submissions" and case.method == "POST" else {}
    before = counts(url)
    response = case.call_and_validate(headers=bearer, checks=CHECKS, **sent)
    if case.path == "/api/v1/submissions" and case.method == "POST":
        assert_stored_once_or_not_at_all(url, before, response)


def with_real_values(case: Any, url: str, bearer: dict[str, str]) -> None:
    """An open day, the account's own submission, a student with a graded hand-in: values that
    get a case past the lookups, into the routes' work."""
    path = case.path_parameters or {}
    if "day" in path:
        path["day"] = DAY
    if "submission_id" in path:
        with psycopg.connect(url, autocommit=True) as db:
            found = db.execute(
                b"SELECT w.id FROM web_submissions w JOIN account_tokens t ON t.account = w.account "
                b"WHERE t.token_hash = %s ORDER BY w.received_at DESC LIMIT 1",
                (token_hash(bearer["authorization"].removeprefix("Bearer ")),),
            ).fetchone()
        if found:
            path["submission_id"] = found[0]
    if isinstance(case.body, dict):
        for key, value in (("day", DAY), ("student", GRADED), ("question", "mlp_forward")):
            if key in case.body:
                case.body[key] = value


def as_uploaded(case: Any, upload: str) -> dict[str, Any]:
    """The multipart body as schemathesis made it, or its file sent under a course file's name
    (schemathesis names a file part after its field: "file", which the intake refuses)."""
    if upload == "generated" or not isinstance(case.body, dict) or "file" not in case.body:
        return {}
    name, _, what = upload.partition(" ")
    content = case.body["file"] if what == "generated" else REFERENCE
    fields = {key: str(value) for key, value in case.body.items() if key != "file"}
    file = content.encode() if isinstance(content, str) else content
    return {"data": fields, "files": {"file": (name, file)}}


def assert_stored_once_or_not_at_all(url: str, before: tuple[int, int], response: Any) -> None:
    """After one upload: a 201 stored exactly one row, its job queued unless the file was
    refused; any other answer stored nothing."""
    after = counts(url)
    if response.status_code != 201:
        assert after == before, f"a {response.status_code} stored something"
        return
    receipt = response.json()
    assert after[0] == before[0] + 1
    with psycopg.connect(url, autocommit=True) as db:
        row = db.execute(
            b"SELECT day, student, submission_hash, grader_version, rejection FROM web_submissions "
            b"WHERE id = %s",
            (receipt["id"],),
        ).fetchone()
        assert row is not None, "the receipt's id is not stored"
        day, student, digest, version, rejection = row
        queued = db.execute(
            b"SELECT (SELECT count(*) FROM procrastinate_jobs WHERE lock = %s), (SELECT count(*) FROM "
            b"results WHERE day = %s AND student = %s AND submission_hash = %s AND grader_version = %s)",
            (job_lock(day, student, digest, version), day, student, digest, version),
        ).fetchone()
    assert queued is not None
    assert (receipt["status"] == "rejected") == bool(rejection)
    if rejection:
        assert after[1] == before[1], "a refused file was queued"
    else:
        assert sum(queued) >= 1, "an accepted file is neither queued nor graded"


def counts(url: str) -> tuple[int, int]:
    """(web submissions, queued jobs)."""
    with psycopg.connect(url, autocommit=True) as db:
        row = db.execute(
            b"SELECT (SELECT count(*) FROM web_submissions), (SELECT count(*) FROM procrastinate_jobs)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_the_openapi_document_is_valid_and_lists_the_submission_routes(app: Any) -> None:
    loaded = schemathesis.openapi.from_asgi(OPENAPI, app, config=CONFIG)
    loaded.validate()  # against the OpenAPI meta-schema
    found = list(loaded.get_all_operations())
    assert all(isinstance(result, Ok) for result in found), "an operation schemathesis cannot read"
    operations = {result.ok().label: result.ok() for result in found if isinstance(result, Ok)}
    assert {
        "GET /api/v1/days",
        "POST /api/v1/submissions",
        "GET /api/v1/submissions",
        "GET /api/v1/submissions/{submission_id}",
    } <= set(operations)
    assert not [label for label in operations if " /api/" not in label and "jwks" not in label]  # no page
    upload = operations["POST /api/v1/submissions"]
    assert loaded.get_request_payload_content_types(upload) == ["multipart/form-data"]
    (body,) = upload.body
    assert body.definition["schema"]["required"] == ["day", "file"]
    assert {"401", "403", "404", "413", "422", "429", "503"} <= set(upload.definition.raw["responses"])


def test_what_no_generated_case_reaches_answers_as_documented_too(url: str) -> None:
    """No token (401), a body over the limit (413), an upload past the hour's allowance (429)."""
    app = create_app(ServiceConfig(database=url, max_upload_bytes=50_000, uploads_per_hour=1))
    loaded = schemathesis.openapi.from_asgi(OPENAPI, app, config=CONFIG)
    with psycopg.connect(url, autocommit=True) as db, db.transaction():
        (alice,), _ = import_students(db, [("Alice Martin", "a@x.fr")])
    bearer = {"authorization": f"Bearer {alice.token}"}
    at = {"day": DAY, "submission_id": "unknown"}
    for result in loaded.get_all_operations():
        assert isinstance(result, Ok)
        operation = result.ok()
        if operation.path != "/.well-known/jwks.json":
            case = operation.Case(
                path_parameters={name: at[name] for name in at if f"{{{name}}}" in operation.path}
            )
            assert case.call_and_validate(checks=CHECKS).status_code == 401, operation.label
    upload = loaded["/api/v1/submissions"]["POST"].Case(body={"day": DAY, "file": ""})
    codes = [
        upload.call_and_validate(
            headers=bearer, checks=CHECKS, data={"day": DAY}, files={"file": file}
        ).status_code
        for file in [("tp.py", b"x" * 60_000), ("tp.py", REFERENCE.encode()), ("tp.py", REFERENCE.encode())]
    ]
    assert codes == [413, 201, 429]
