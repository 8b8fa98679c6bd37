"""The web front: students hand in and read their feedback, in pages and in the JSON API.

This process receives, stores, queues and shows; it never runs a student's
file nor reads a grader (the workers do, from the queue). Pages are rendered
on the server in French with autoescaping; they run no inline script. Who
may see what is :mod:`tpgrade.service.context`'s; the instructor's routes are
:mod:`tpgrade.service.instructor_web`'s.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import markdown
from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.middleware.sessions import SessionMiddleware

from tpgrade.cluster.jobs import queue_state
from tpgrade.errors import InputError, StoreError
from tpgrade.models import QuestionResult
from tpgrade.reports.feedback import feedback_markdown
from tpgrade.service.accounts import end_session, open_session, token_hash
from tpgrade.service.api_docs import UPLOAD_BODY, answers, openapi_31
from tpgrade.service.context import (
    STATE_LABELS,
    ApiAccount,
    PageAccount,
    Service,
    ServiceConfig,
    check_csrf,
    render,
)
from tpgrade.service.guards import BodyTooLarge, BodyTooSlow, Guards, too_large_response, too_slow_response
from tpgrade.service.instructor_web import instructor_routes
from tpgrade.service.live import FINAL
from tpgrade.service.lti.launch import PlatformKeys
from tpgrade.service.lti.web import bind_pending_link, lti_routes
from tpgrade.service.status import HandIn
from tpgrade.service.student_view import (
    OwnedApi,
    OwnedPage,
    address_allowed,
    as_shown,
    day_window,
    own_hand_ins,
    owned_hand_in,
    receive,
    require_open,
    waiting_text,
)
from tpgrade.statuses import question_label, submission_label

HERE = Path(__file__).parent
log = logging.getLogger("tpgrade.service")
__all__ = ["ServiceConfig", "create_app"]


class ReceiptOut(BaseModel):
    id: str
    day: str
    student: str
    sha256: str
    received_at: datetime
    file_name: str
    size: int
    status: str
    rejection: str
    receipt: str  # the signed receipt, a compact JWS


class SubmissionOut(ReceiptOut):
    score: float | None = None
    max_score: float | None = None
    questions: dict[str, QuestionResult] = {}
    queue_position: int | None = None
    estimate_s: float | None = None
    superseded: bool = False
    held: bool = False  # graded; the scores are shown once the instructor releases them
    days_late: int = 0  # by the receipt's time and the day's late policy
    public_checks: dict[str, str] = {}  # question -> status of the public tests (while scores are held)
    late_penalty: float = 0.0  # points taken off the score for it
    message: str = ""


def _out(item: HandIn) -> SubmissionOut:
    result = item.result
    return SubmissionOut(
        id=item.id,
        day=item.day,
        student=item.student,
        sha256=item.sha256,
        received_at=item.received_at,
        file_name=item.file_name,
        size=item.size,
        status=item.state,
        rejection=item.rejection,
        receipt=item.receipt,
        score=result.score if result and item.state == "graded" else None,
        max_score=result.max_score if result and item.state == "graded" else None,
        questions=dict(result.questions) if result and item.state == "graded" else {},
        queue_position=item.position,
        estimate_s=item.estimate_s,
        superseded=item.superseded,
        held=item.held,
        days_late=item.days_late,
        public_checks=dict(item.public),
        late_penalty=result.late_penalty if result and item.state == "graded" else 0.0,
        message=result.message if result else "",
    )


def create_app(config: ServiceConfig, keys: PlatformKeys | None = None) -> Any:
    """The ASGI application (the FastAPI app inside its guards); ``keys`` fetches the LTI
    platforms' key sets (over HTTPS unless a test passes its own)."""
    service = Service(config)
    api = FastAPI(
        title="tpgrade",
        summary="Hand in a TP and read its grading.",
        docs_url=None,  # the interactive pages load scripts from elsewhere: the CSP forbids them
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    api.state.service = service
    api.openapi = partial(_documented, api)  # type: ignore[method-assign]
    api.add_middleware(
        SessionMiddleware,
        secret_key=service.session_secret,
        session_cookie="tpgrade_session",
        max_age=14 * 24 * 3600,
        same_site="lax",
        https_only=config.public_url.startswith("https://"),
    )
    api.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["labels"] = STATE_LABELS
    templates.env.globals["waiting"] = waiting_text
    templates.env.globals["submission_label"] = submission_label
    templates.env.filters["points"] = lambda value: f"{value:g}".replace(".", ",")  # French decimals
    api.state.templates = templates
    _routes(api, service)
    instructor_routes(api, service)
    lti_routes(api, service, keys)
    return Guards(api, config.max_upload_bytes, config.body_idle_s)


def _documented(api: FastAPI) -> dict[str, Any]:
    if api.openapi_schema is None:
        api.openapi_schema = FastAPI.openapi(api)
        openapi_31(api.openapi_schema)
    return api.openapi_schema


def _routes(api: FastAPI, service: Service) -> None:

    @api.exception_handler(HTTPException)
    async def errors(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return await http_exception_handler(request, exc)
        response = render(request, "error.html", exc.status_code, message=exc.detail)
        for name, value in (exc.headers or {}).items():
            if name.lower() != "www-authenticate":
                response.headers[name] = value
        return response

    @api.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> Response:
        return too_large_response(service.config.max_upload_bytes)

    @api.exception_handler(BodyTooSlow)
    async def too_slow(request: Request, exc: BodyTooSlow) -> Response:
        return too_slow_response()

    @api.exception_handler(InputError)
    async def refused(request: Request, exc: InputError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, 400)
        return render(request, "error.html", 400, message=str(exc))

    @api.exception_handler(StoreError)
    async def store_down(request: Request, exc: StoreError) -> Response:
        log.warning("%s", exc)  # the cause, for whoever runs the service (the page says less)
        said = "Le service est momentanément indisponible : réessayez dans une minute."
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "the database is unreachable; try again in a minute"}, 503)
        return render(request, "error.html", 503, message=said)

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> Response:
        session = request.session.get("session")
        account = service.session_account(str(session)) if session else None
        if account is None:
            return render(request, "welcome.html")
        days = service.open_days()
        if account.role == "instructor":
            state = service.run(queue_state, "read the queue")
            return render(request, "instructor.html", account=account, days=days, state=state)
        mine = own_hand_ins(service, account)
        windows = {day: day_window(service, day)[0] for day in days}
        return render(request, "home.html", account=account, days=days, windows=windows, submissions=mine)

    @api.get("/login/{token}", include_in_schema=False)
    def login(request: Request, token: str) -> Response:
        address = request.client.host if request.client else "-"
        if not service.login_allowed(address):
            raise HTTPException(429, "Trop de tentatives de connexion : attendez une minute.")
        digest = token_hash(token)
        if service.account(digest) is None:
            raise HTTPException(
                403, "Ce lien de connexion n'est pas (ou plus) valide : demandez-en un nouveau."
            )
        session = service.run(lambda db: open_session(db, digest), "open the session")
        request.session.clear()
        request.session.update(session=session, csrf=secrets.token_urlsafe(24))
        return RedirectResponse("/", 303)

    @api.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        async with request.form(max_files=0, max_fields=4) as form:
            check_csrf(request, form.get("csrf"))
        session = request.session.get("session")
        if session:
            await run_in_threadpool(service.run, lambda db: end_session(db, str(session)), "end the session")
        request.session.clear()
        return RedirectResponse("/", 303)

    @api.get("/days/{day}", response_class=HTMLResponse, include_in_schema=False)
    def day_page(request: Request, day: str, account: PageAccount) -> Response:
        require_open(service, day)
        if account.role != "student":
            raise HTTPException(403, "Seuls les étudiants rendent un TP.")
        mine = own_hand_ins(service, account, day)
        window, said = day_window(service, day)
        return render(
            request, "day.html", account=account, day=day, submissions=mine, window=window, rules=said
        )

    @api.post("/days/{day}/submissions", include_in_schema=False)
    async def upload_page(request: Request, day: str, account: PageAccount) -> Response:
        address_allowed(service, request)
        async with request.form(max_files=1, max_fields=4) as form:
            check_csrf(request, form.get("csrf"))
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise HTTPException(
                    400, "Choisissez un fichier (le notebook .ipynb ou le .py) avant d'envoyer."
                )
            name, content = upload.filename, await upload.read()
        item = await run_in_threadpool(receive, service, account, day, name, content)
        if not item.rejection:
            await run_in_threadpool(bind_pending_link, service, request, account, day)
        return RedirectResponse(f"/submissions/{item.id}", 303)

    @api.get("/submissions/{submission_id}", response_class=HTMLResponse, include_in_schema=False)
    def submission_page(request: Request, submission_id: str, account: PageAccount) -> Response:
        item = owned_hand_in(service, account, submission_id)
        feedback = ""
        if item.result is not None and item.state == "graded":
            feedback = markdown.markdown(feedback_markdown(item.result, item.day), extensions=["tables"])
        public = [f"{name} : {question_label(status)}" for name, status in item.public.items()]
        return render(
            request, "submission.html", account=account, item=item, feedback=feedback, public=public
        )

    @api.get(
        "/submissions/{submission_id}/events", response_class=EventSourceResponse, include_in_schema=False
    )
    async def submission_events(item: OwnedPage) -> AsyncIterator[ServerSentEvent]:
        """The page's live updates: its state and queue position, then "done" (the page reloads)."""
        async for seen in service.watcher.changes(item, service.config.stream_s):
            if seen.state in FINAL:
                yield ServerSentEvent(event="done", data={"state": seen.state})
                return
            label = STATE_LABELS[seen.state]
            yield ServerSentEvent(
                event="state",
                retry=2000,
                data={"state": seen.state, "label": label, "text": waiting_text(seen)},
            )

    @api.get("/submissions/{submission_id}/receipt.jws", include_in_schema=False)
    def receipt_page(submission_id: str, account: PageAccount) -> Response:
        item = owned_hand_in(service, account, submission_id)
        disposition = f'attachment; filename="recu-{item.day}-{item.id}.jws"'
        return Response(
            item.receipt + "\n", media_type="application/jose", headers={"content-disposition": disposition}
        )

    @api.get("/.well-known/jwks.json", tags=["receipts"])
    def keys() -> dict[str, Any]:
        """The public key that signs receipts (``tpgrade receipt verify`` checks them with it)."""
        return {"keys": [service.public_key]}

    @api.get("/api/v1/days", tags=["submissions"], responses=answers(401, 503))
    def api_days(account: ApiAccount) -> list[str]:
        """The days open for hand-in now."""
        return [day for day in service.open_days() if day_window(service, day)[0] == "open"]

    @api.post(
        "/api/v1/submissions",
        status_code=201,
        tags=["submissions"],
        responses=answers(400, 401, 403, 404, 413, 422, 429, 503),
        openapi_extra=UPLOAD_BODY,
    )
    async def api_upload(request: Request, account: ApiAccount) -> ReceiptOut:
        """Hand in ``file`` for ``day`` (multipart); the receipt, rejected or queued."""
        address_allowed(service, request)
        async with request.form(max_files=1, max_fields=4) as form:
            upload, day = form.get("file"), form.get("day")
            if not isinstance(upload, UploadFile) or not isinstance(day, str):
                raise HTTPException(422, "multipart fields 'day' and 'file' are required")
            name, content = upload.filename or "", await upload.read()
        item = await run_in_threadpool(receive, service, account, day, name, content)
        return ReceiptOut(**_out(item).model_dump(include=set(ReceiptOut.model_fields)))

    @api.get("/api/v1/submissions", tags=["submissions"], responses=answers(401, 503))
    def api_list(account: ApiAccount, day: str | None = None) -> list[SubmissionOut]:
        """The account's own submissions, newest first."""
        return [_out(item) for item in own_hand_ins(service, account, day)]

    @api.get("/api/v1/submissions/{submission_id}", tags=["submissions"], responses=answers(401, 404, 503))
    def api_submission(submission_id: str, account: ApiAccount) -> SubmissionOut:
        """One of the account's submissions: its status, and its scores once graded."""
        return _out(owned_hand_in(service, account, submission_id))

    @api.get(
        "/api/v1/submissions/{submission_id}/events",
        response_class=EventSourceResponse,
        tags=["submissions"],
        responses=answers(401, 404, 503),
    )
    async def api_submission_events(item: OwnedApi) -> AsyncIterator[ServerSentEvent]:
        """Server-Sent Events of one submission: ``state`` at each change of its status or queue
        position, then ``done`` with its final view (scores as the student may see them). The
        stream ends after a few minutes if it is still pending: open it again."""
        async for seen in service.watcher.changes(item, service.config.stream_s):
            if seen.state in FINAL:
                shown = await run_in_threadpool(as_shown, service, [seen])
                yield ServerSentEvent(event="done", data=_out(shown[0]).model_dump(mode="json"))
                return
            yield ServerSentEvent(event="state", data=_out(seen).model_dump(mode="json"))
