"""The vocabulary of LTI 1.3 messages for the test platform (tests/lti_platform.py): claim, scope and
media type names (IMS LTI 1.3 Core, Deep Linking 2.0, AGS 2.0), the launch's user and hostile knobs,
and the checks of what a tool sends back (scores, deep linking responses)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from joserfc.jwk import RSAKey

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPE_LINEITEM = AGS_SCOPE + "lineitem"
SCOPE_LINEITEM_READ = AGS_SCOPE + "lineitem.readonly"
SCOPE_SCORE = AGS_SCOPE + "score"
SCOPE_RESULT_READ = AGS_SCOPE + "result.readonly"
AGS_SCOPES = frozenset({SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_SCORE, SCOPE_RESULT_READ})
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESOURCE_LAUNCH = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
AUTOSUBMIT = "document.forms[0].submit();\n"


@dataclass(frozen=True)
class User:
    sub: str
    given_name: str
    family_name: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @classmethod
    def of(cls, user: User | str) -> User:
        """A bare string is the user's id; the rest is made up from it."""
        if isinstance(user, User):
            return user
        return cls(user, user.capitalize(), "Test", f"{user}@platform.test")


@dataclass(frozen=True)
class Hostile:
    """What to spoil in one launch (all off: an honest launch)."""

    foreign_key: bool = False  # signed by a key /jwks does not hold (its own kid)
    audience: str | None = None  # aud other than the tool's client_id
    expired: bool = False  # iat ten minutes ago, exp five minutes ago
    deployment_id: str | None = None  # a deployment the tool was not given
    tampered: bool = False  # payload changed after signing (roles raised to Instructor)
    drop_state: bool = False  # the form posts id_token without state
    claims: Mapping[str, Any] = field(default_factory=dict)  # set these claims; None removes one


@dataclass(frozen=True)
class DeepLink:
    """A content item the tool returned, placed as a new resource link."""

    item: dict[str, Any]
    resource_link_id: str
    line_item: str | None  # the line item's URL when the item asked for one


class Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.action = values.get("action") or ""
        elif tag == "input" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True)


def tamper(token: str) -> str:
    """The token with its roles raised to Instructor and its signature kept (so no longer valid)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims[LTI + "roles"] = [ROLE + "Instructor"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def score_problem(score: Any) -> str | None:
    """Why an AGS score is malformed, or None."""
    if not isinstance(score, dict) or not isinstance(score.get("userId"), str):
        return "a score needs a userId"
    if score.get("activityProgress") not in ACTIVITY or score.get("gradingProgress") not in GRADING:
        return "activityProgress and gradingProgress must be AGS values"
    try:
        if datetime.fromisoformat(str(score.get("timestamp"))).tzinfo is None:
            return "the timestamp needs a time zone"
    except ValueError:
        return "the timestamp must be ISO 8601"
    given, maximum = score.get("scoreGiven"), score.get("scoreMaximum")
    if given is None:
        return None
    if not (
        isinstance(given, int | float) and isinstance(maximum, int | float) and maximum > 0 and given >= 0
    ):
        return "scoreGiven needs a positive scoreMaximum"
    return None


def deep_link_problem(claims: Mapping[str, Any], deployment_id: str, issued: set[str]) -> str | None:
    """Why a deep linking response is refused, or None."""
    if claims.get(LTI + "message_type") != "LtiDeepLinkingResponse" or claims.get(LTI + "version") != "1.3.0":
        return "not an LTI 1.3.0 LtiDeepLinkingResponse"
    if claims.get(LTI + "deployment_id") != deployment_id:
        return "unknown deployment_id"
    if not claims.get("nonce"):
        return "missing nonce"
    if claims.get(DL + "data") not in issued:
        return "data does not echo a deep linking request's"
    items = claims.get(DL + "content_items", [])
    if not isinstance(items, list) or any(
        not isinstance(i, dict) or i.get("type") != "ltiResourceLink" for i in items
    ):
        return "only ltiResourceLink content items are accepted"
    return None
