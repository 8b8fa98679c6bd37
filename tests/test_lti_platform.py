"""The test LTI 1.3 platform, driven directly with httpx2 and a fake tool key: each piece does what
the tool's tests will count on, and each hostile knob spoils what it says."""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx2
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidKeyIdError
from joserfc.jwk import KeySet, RSAKey
from lti_messages import (
    AGS_ENDPOINT,
    ASSERTION_TYPE,
    DEEP_LINKING,
    DL,
    LTI,
    ROLE,
    SCOPE_LINEITEM,
    SCOPE_SCORE,
    SCORE_TYPE,
    Hostile,
    User,
)
from lti_platform import Platform, follow_launch, running_platform
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from uvicorn_thread import serving

from tpgrade.cluster.private_postgres import free_port

TOOL = "http://127.0.0.1:9/tool"  # never reached: the platform reads the tool's keys from a callable


@pytest.fixture(scope="module")
def tool_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "tool-1", "alg": "RS256"}, private=True)


@pytest.fixture(scope="module")
def served(tool_key: RSAKey) -> Iterator[Platform]:
    with running_platform(TOOL, tool_jwks=lambda: {"keys": [tool_key.as_dict(private=False)]}) as platform:
        yield platform


@pytest.fixture
def platform(served: Platform) -> Iterator[Platform]:
    """The module's platform, its knobs back to normal after each test."""
    yield served
    served.down, served.outages, served.stale_scores = False, 0, "refuse"


@pytest.fixture
def client() -> Iterator[httpx2.Client]:
    with httpx2.Client(timeout=10) as http:
        yield http


def auth_query(platform: Platform, params: dict[str, str], **changes: str) -> str:
    """The /auth address a tool redirects to after the login initiation ``params``."""
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": params["client_id"],
        "redirect_uri": platform.redirect_uri,
        "login_hint": params["login_hint"],
        "lti_message_hint": params["lti_message_hint"],
        "state": "state-123",
        "nonce": "nonce-456",
        **changes,
    }
    return f"{platform.auth_url}?{urlencode({k: v for k, v in query.items() if v})}"


def launch(platform: Platform, client: httpx2.Client, **login: Any) -> tuple[str, dict[str, str]]:
    """Login initiation then /auth: the form the platform answers."""
    params = platform.login_initiation(TOOL, login.pop("user", "alice"), **login)
    page = client.get(auth_query(platform, params))
    assert page.status_code == 200, page.text
    return platform.form_fields(page.text)


def unverified(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def verified(platform: Platform, client: httpx2.Client, token: str) -> dict[str, Any]:
    """The id_token's claims, checked as a tool would: /jwks, aud, exp."""
    keys = KeySet.import_key_set(client.get(platform.jwks_url).json())
    claims = jwt.decode(token, keys, algorithms=["RS256"]).claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": platform.issuer},
        aud={"essential": True, "value": platform.client_id},
    ).validate(claims)
    return claims


def signed(key: RSAKey, claims: dict[str, Any]) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def assertion(platform: Platform, key: RSAKey, **changes: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"iss": platform.client_id, "sub": platform.client_id, "aud": platform.token_url}
    claims |= {"iat": now, "exp": now + 60, "jti": secrets.token_hex(8), **changes}
    return signed(key, claims)


def token_request(
    platform: Platform, client: httpx2.Client, client_assertion: str, **form: str
) -> httpx2.Response:
    body = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion,
        "scope": f"{SCOPE_LINEITEM} {SCOPE_SCORE}",
        **form,
    }
    return client.post(platform.token_url, data=body)


def bearer(platform: Platform, client: httpx2.Client, key: RSAKey) -> dict[str, str]:
    answer = token_request(platform, client, assertion(platform, key))
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def post_score(
    client: httpx2.Client, url: str, headers: dict[str, str], stamp: str, given: float = 7.0, **extra: Any
) -> httpx2.Response:
    score = {
        "userId": "alice",
        "scoreGiven": given,
        "scoreMaximum": 10,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": stamp,
        "comment": "bien",
        **extra,
    }
    return client.post(f"{url}/scores", json=score, headers={**headers, "Content-Type": SCORE_TYPE})


def test_login_initiation_carries_the_registration(platform: Platform) -> None:
    params = platform.login_initiation(TOOL, "alice", resource_link_id="tp1")
    assert params["iss"] == platform.issuer
    assert params["client_id"] == platform.client_id
    assert params["lti_deployment_id"] == platform.deployment_id
    assert params["login_hint"] == "alice"
    assert params["target_link_uri"] == f"{TOOL}/lti/launch"
    assert params["lti_message_hint"]
    with pytest.raises(ValueError, match="registered tool"):
        platform.login_initiation("http://127.0.0.1:9/other", "alice")


def test_auth_answers_a_form_whose_id_token_verifies(platform: Platform, client: httpx2.Client) -> None:
    user = User("u-42", "Alice", "Martin", "a@x.fr")
    action, fields = launch(
        platform, client, user=user, roles=("Instructor",), resource_link_id="tp2", custom={"day": "day2"}
    )
    assert action == f"{TOOL}/lti/launch"
    assert fields["state"] == "state-123"
    claims = verified(platform, client, fields["id_token"])
    assert (claims["sub"], claims["name"], claims["email"], claims["azp"]) == (
        "u-42",
        "Alice Martin",
        "a@x.fr",
        platform.client_id,
    )
    assert claims["nonce"] == "nonce-456"
    assert claims[LTI + "message_type"] == "LtiResourceLinkRequest"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == platform.deployment_id
    assert claims[LTI + "roles"] == [ROLE + "Instructor"]
    assert claims[LTI + "resource_link"]["id"] == "tp2"
    assert claims[LTI + "custom"] == {"day": "day2"}
    assert claims[AGS_ENDPOINT]["scope"] == [SCOPE_LINEITEM, SCOPE_SCORE]
    assert claims[AGS_ENDPOINT]["lineitem"] == platform.line_item("tp2")
    assert claims["exp"] > time.time()


def test_the_page_submits_itself_with_a_script_of_its_own(platform: Platform, client: httpx2.Client) -> None:
    params = platform.login_initiation(TOOL, "alice")
    page = client.get(auth_query(platform, params)).text
    assert '<script src="/autosubmit.js"' in page
    assert "submit()" in client.get(f"{platform.issuer}/autosubmit.js").text


def test_deep_linking_request_carries_its_settings(platform: Platform, client: httpx2.Client) -> None:
    _, fields = launch(platform, client, roles=("Instructor",), message_type=DEEP_LINKING)
    claims = verified(platform, client, fields["id_token"])
    settings = claims[DL + "deep_linking_settings"]
    assert claims[LTI + "message_type"] == DEEP_LINKING
    assert settings["deep_link_return_url"] == platform.deep_link_return_url
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["data"]
    assert AGS_ENDPOINT not in claims


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"client_id": "someone"}, "client_id"),
        ({"redirect_uri": "http://127.0.0.1:9/evil"}, "redirect_uri"),
        ({"login_hint": "bruno"}, "login_hint"),
        ({"lti_message_hint": "forged"}, "pending login"),
        ({"response_type": "code"}, "response_type"),
        ({"nonce": ""}, "nonce"),
    ],
)
def test_auth_refuses_a_request_off_the_registration(
    platform: Platform, client: httpx2.Client, change: dict[str, str], reason: str
) -> None:
    params = platform.login_initiation(TOOL, "alice")
    answer = client.get(auth_query(platform, params, **change))
    assert answer.status_code == 400
    assert reason in answer.text


def test_a_pending_login_is_used_once(platform: Platform, client: httpx2.Client) -> None:
    params = platform.login_initiation(TOOL, "alice")
    assert client.get(auth_query(platform, params)).status_code == 200
    assert client.get(auth_query(platform, params)).status_code == 400


def test_a_foreign_key_is_not_in_the_jwks(platform: Platform, client: httpx2.Client) -> None:
    _, fields = launch(platform, client, hostile=Hostile(foreign_key=True))
    with pytest.raises(InvalidKeyIdError):
        verified(platform, client, fields["id_token"])


def test_a_tampered_token_fails_its_signature(platform: Platform, client: httpx2.Client) -> None:
    _, fields = launch(platform, client, hostile=Hostile(tampered=True))
    assert unverified(fields["id_token"])[LTI + "roles"] == [ROLE + "Instructor"]
    with pytest.raises(BadSignatureError):
        verified(platform, client, fields["id_token"])


def test_an_expired_token_is_expired(platform: Platform, client: httpx2.Client) -> None:
    _, fields = launch(platform, client, hostile=Hostile(expired=True))
    with pytest.raises(ExpiredTokenError):
        verified(platform, client, fields["id_token"])


def test_audience_deployment_and_claims_knobs(platform: Platform, client: httpx2.Client) -> None:
    knobs = Hostile(
        audience="another-tool", deployment_id="dep-x", claims={"nonce": "other", LTI + "version": None}
    )
    _, fields = launch(platform, client, hostile=knobs)
    claims = unverified(fields["id_token"])
    assert claims["aud"] == "another-tool"
    assert claims[LTI + "deployment_id"] == "dep-x"
    assert claims["nonce"] == "other"
    assert LTI + "version" not in claims


def test_next_launch_spoils_only_the_next_answer(platform: Platform, client: httpx2.Client) -> None:
    platform.next_launch(drop_state=True)
    _, spoiled = launch(platform, client)
    _, honest = launch(platform, client)
    assert "state" not in spoiled
    assert honest["state"] == "state-123"


def test_replay_gives_the_last_form_again(platform: Platform, client: httpx2.Client) -> None:
    action, fields = launch(platform, client)
    assert platform.replay() == (action, fields)
    assert platform.last_id_token == fields["id_token"]


def test_a_rotated_key_leaves_old_tokens_unverifiable(platform: Platform, client: httpx2.Client) -> None:
    _, before = launch(platform, client)
    platform.rotate_key()
    _, after = launch(platform, client)
    assert verified(platform, client, after["id_token"])["sub"] == "alice"
    with pytest.raises(InvalidKeyIdError):
        verified(platform, client, before["id_token"])


def test_token_endpoint_grants_the_ags_scopes(
    platform: Platform, client: httpx2.Client, tool_key: RSAKey
) -> None:
    answer = token_request(platform, client, assertion(platform, tool_key), scope=f"{SCOPE_SCORE} openid")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["token_type"], body["scope"]) == ("Bearer", SCOPE_SCORE)
    assert body["expires_in"] > 0 and body["access_token"]


def test_token_endpoint_refuses_a_bad_assertion(
    platform: Platform, client: httpx2.Client, tool_key: RSAKey
) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "tool-1"}, private=True)
    used = assertion(platform, tool_key)
    assert token_request(platform, client, used).status_code == 200
    refused = {
        "another key": assertion(platform, stranger),
        "wrong audience": assertion(platform, tool_key, aud=platform.issuer),
        "expired": assertion(platform, tool_key, exp=int(time.time()) - 60),
        "wrong issuer": assertion(platform, tool_key, iss="someone", sub="someone"),
        "jti used twice": used,
        "no jti": assertion(platform, tool_key, jti=None),
    }
    for why, bad in refused.items():
        answer = token_request(platform, client, bad)
        assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client"), why
    assert (
        token_request(platform, client, assertion(platform, tool_key), grant_type="password").status_code
        == 400
    )
    assert (
        token_request(platform, client, assertion(platform, tool_key), scope="openid").json()["error"]
        == "invalid_scope"
    )


def test_scores_keep_only_later_timestamps(
    platform: Platform, client: httpx2.Client, tool_key: RSAKey
) -> None:
    url = platform.line_item("scored")
    headers = bearer(platform, client, tool_key)
    assert post_score(client, url, headers, "2025-03-01T10:00:00.000Z", 7).status_code == 200
    assert post_score(client, url, headers, "2025-03-01T10:00:00.400Z", 9).status_code == 409
    assert post_score(client, url, headers, "2025-03-01T09:00:00Z", 9).status_code == 409
    assert platform.results("scored")["alice"]["scoreGiven"] == 7
    assert post_score(client, url, headers, "2025-03-01T11:00:00+00:00", 8).status_code == 200
    assert platform.results("scored")["alice"]["scoreGiven"] == 8
    platform.stale_scores = "ignore"
    assert post_score(client, url, headers, "2025-03-01T10:30:00Z", 1).status_code == 200
    assert platform.results("scored")["alice"]["comment"] == "bien"
    assert platform.results("scored")["alice"]["scoreGiven"] == 8


def test_a_score_not_fully_graded_holds_no_grade(
    platform: Platform, client: httpx2.Client, tool_key: RSAKey
) -> None:
    url = platform.line_item("pending")
    headers = bearer(platform, client, tool_key)
    assert (
        post_score(client, url, headers, "2025-03-01T10:00:00Z", gradingProgress="Pending").status_code == 200
    )
    assert platform.results("pending")["alice"]["scoreGiven"] is None


def test_scores_need_a_token_the_media_type_and_a_valid_body(
    platform: Platform, client: httpx2.Client, tool_key: RSAKey
) -> None:
    url = platform.line_item("guarded")
    headers = bearer(platform, client, tool_key)
    assert post_score(client, url, {}, "2025-03-01T10:00:00Z").status_code == 401
    assert (
        post_score(client, url, {"Authorization": "Bearer forged"}, "2025-03-01T10:00:00Z").status_code == 401
    )
    plain = client.post(f"{url}/scores", json={"userId": "alice"}, headers=headers)
    assert plain.status_code == 415
    assert post_score(client, url, headers, "yesterday").status_code == 400
    assert post_score(client, url, headers, "2025-03-01T10:00:00").status_code == 400
    assert post_score(client, url, headers, "2025-03-01T10:00:00Z", scoreMaximum=None).status_code == 400
    assert post_score(client, url, headers, "2025-03-01T10:00:00Z", given="7").status_code == 400  # type: ignore[arg-type]
    assert (
        post_score(client, url, headers, "2025-03-01T10:00:00Z", activityProgress="Done").status_code == 400
    )
    assert (
        post_score(client, f"{platform.lineitems_url}/999", headers, "2025-03-01T10:00:00Z").status_code
        == 404
    )
    assert platform.results("guarded") == {}


def test_down_answers_503_to_token_and_scores(
    platform: Platform, client: httpx2.Client, tool_key: RSAKey
) -> None:
    url = platform.line_item("outage")
    headers = bearer(platform, client, tool_key)
    platform.down = True
    assert token_request(platform, client, assertion(platform, tool_key)).status_code == 503
    assert post_score(client, url, headers, "2025-03-01T10:00:00Z").status_code == 503
    platform.down, platform.outages = False, 1
    before = platform.calls["scores"]
    assert post_score(client, url, headers, "2025-03-01T10:00:00Z").status_code == 503
    assert post_score(client, url, headers, "2025-03-01T10:00:00Z").status_code == 200
    assert platform.calls["scores"] == before + 2
    assert platform.results("outage")["alice"]["scoreGiven"] == 7


def test_line_items_container_and_item(platform: Platform, client: httpx2.Client, tool_key: RSAKey) -> None:
    headers = bearer(platform, client, tool_key)
    url = platform.line_item("listed", label="TP 1")
    listed = client.get(platform.lineitems_url, params={"resource_link_id": "listed"}, headers=headers)
    assert listed.headers["content-type"].startswith("application/vnd.ims.lis.v2.lineitemcontainer+json")
    assert [item["id"] for item in listed.json()] == [url]
    created = client.post(
        platform.lineitems_url, json={"label": "Bonus", "scoreMaximum": 5, "tag": "bonus"}, headers=headers
    )
    assert created.status_code == 201
    fetched = client.get(created.json()["id"], headers=headers).json()
    assert (fetched["label"], fetched["scoreMaximum"]) == ("Bonus", 5)
    assert (
        client.post(platform.lineitems_url, json={"label": "Sans note"}, headers=headers).status_code == 400
    )
    assert client.get(url).status_code == 401


def deep_link_response(platform: Platform, data: str, key: RSAKey, **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": platform.client_id,
        "aud": platform.issuer,
        "iat": now,
        "exp": now + 60,
        "nonce": secrets.token_hex(8),
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": platform.deployment_id,
        DL + "data": data,
        DL + "content_items": [
            {
                "type": "ltiResourceLink",
                "url": f"{TOOL}/lti/launch",
                "title": "TP 2",
                "custom": {"day": "day2"},
                "lineItem": {"scoreMaximum": 20, "label": "TP 2"},
            }
        ],
        **changes,
    }
    return signed(key, claims)


def test_deep_link_return_verifies_and_records(
    platform: Platform, client: httpx2.Client, tool_key: RSAKey
) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "tool-1"}, private=True)
    _, fields = launch(platform, client, roles=("Instructor",), message_type=DEEP_LINKING)
    data = unverified(fields["id_token"])[DL + "deep_linking_settings"]["data"]
    before = len(platform.deep_links)
    refused = {
        "another key": deep_link_response(platform, data, stranger),
        "wrong audience": deep_link_response(platform, data, tool_key, aud="http://elsewhere"),
        "wrong deployment": deep_link_response(platform, data, tool_key, **{LTI + "deployment_id": "dep-x"}),
        "forged data": deep_link_response(platform, "forged", tool_key),
        "a file item": deep_link_response(
            platform, data, tool_key, **{DL + "content_items": [{"type": "file"}]}
        ),
    }
    for why, bad in refused.items():
        assert client.post(platform.deep_link_return_url, data={"JWT": bad}).status_code == 400, why
    assert len(platform.deep_links) == before
    good = deep_link_response(platform, data, tool_key)
    assert client.post(platform.deep_link_return_url, data={"JWT": good}).status_code == 200
    link = platform.deep_links[-1]
    assert (link.item["title"], link.item["custom"]) == ("TP 2", {"day": "day2"})
    assert link.line_item == platform.line_item(link.resource_link_id)
    assert client.post(platform.deep_link_return_url, data={"JWT": good}).status_code == 400


def fake_tool(platform: Platform, key: RSAKey) -> Starlette:
    """The least a tool does: its JWKS, a redirect from login to /auth, the launch form echoed back."""

    async def login(request: Request) -> Response:
        params = request.query_params
        return RedirectResponse(
            auth_query(platform, {k: params[k] for k in ("client_id", "login_hint", "lti_message_hint")})
        )

    async def landing(request: Request) -> Response:
        return JSONResponse(dict(await request.form()))

    return Starlette(
        routes=[
            Route("/lti/jwks.json", lambda _: JSONResponse({"keys": [key.as_dict(private=False)]})),
            Route("/lti/login", login),
            Route("/lti/launch", landing, methods=["POST"]),
        ]
    )


def test_a_browser_launch_and_the_tool_jwks_over_http(client: httpx2.Client, tool_key: RSAKey) -> None:
    port = free_port()
    tool = f"http://127.0.0.1:{port}"
    with running_platform() as platform, serving(fake_tool(platform, tool_key), port):
        received = follow_launch(client, platform, platform.login_initiation(tool, "bruno")).json()
        assert received["state"] == "state-123"
        assert verified(platform, client, received["id_token"])["sub"] == "bruno"
        assert token_request(platform, client, assertion(platform, tool_key)).status_code == 200
        stranger = RSAKey.generate_key(2048, parameters={"kid": "tool-1"}, private=True)
        assert token_request(platform, client, assertion(platform, stranger)).status_code == 401
