"""What the JSON API's OpenAPI document says beyond the routes' signatures: the error answers
each route may give, and the multipart body of an upload (read by hand, so FastAPI cannot
describe it).

Every error a route gives is a JSON object ``{"detail": "..."}``, except the body limit's
413, which the guard answers in plain text before any route reads the body.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ApiError(BaseModel):
    detail: str


_SAID = {
    400: "Refused: a body that cannot be parsed, or a value the service cannot use (an unknown student)",
    401: "Missing, wrong or revoked bearer token",
    403: "Not for this account (only students hand in)",
    404: "Not found: a day not open, a submission not the account's, or an instructor's route",
    422: "The multipart fields 'day' and 'file' are required",
    429: "Too many uploads in the last hour",
    503: "The database is unreachable, or no grader is ready for the day yet",
}

TOO_LARGE = {
    "description": "The body is over the upload limit",
    "content": {"text/plain": {"schema": {"type": "string"}}},
}


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that may answer these error statuses."""
    return {
        code: TOO_LARGE if code == 413 else {"model": ApiError, "description": _SAID[code]} for code in codes
    }


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["day", "file"],
                    "properties": {
                        "day": {"type": "string", "description": "A day open for hand-in (GET /api/v1/days)"},
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The notebook (.ipynb) or the Python file (.py)",
                        },
                    },
                }
            }
        },
    }
}


def openapi_31(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` made valid and true for an event stream's route. FastAPI describes the
    stream's items with ``itemSchema``, a 3.2 keyword: in 3.1 the stream's ``schema`` is that of
    each event (as schemathesis reads it), the original kept as the extension ``x-itemSchema``.
    It also gives the route's errors the stream's media type; they are JSON like all others."""
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                stream = content.get("text/event-stream")
                if stream is None:
                    continue
                if not str(code).startswith("2"):
                    content["application/json"] = content.pop("text/event-stream")
                elif "itemSchema" in stream:
                    stream["x-itemSchema"] = stream.pop("itemSchema")
                    stream["schema"] = stream["x-itemSchema"]
    return document


def worksheet_body(required: bool) -> dict[str, Any]:
    """The multipart body of a route that takes Moodle's grading worksheet as ``file``."""
    upload = {"type": "string", "format": "binary", "description": "Moodle's grading worksheet (CSV)"}
    schema: dict[str, Any] = {"type": "object", "properties": {"file": upload}}
    if required:
        schema["required"] = ["file"]
    return {"requestBody": {"required": required, "content": {"multipart/form-data": {"schema": schema}}}}
