"""The LTI routes: login initiation, launch, the tool's key set, Deep Linking.

The launch is a form posted by the platform's page, so it carries no CSRF
token of ours: the signed ID token and the single-use state bound to this
browser are its proof. It opens the same page session as a login link. A
Deep Linking request (an instructor adding an activity in the course) shows
the days to choose from and posts the chosen links back to the platform,
signed with the tool's key.
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlparse

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from joserfc import jwt
from starlette.concurrency import run_in_threadpool

from tpgrade.paths import DAYS
from tpgrade.service.accounts import Account, open_session
from tpgrade.service.context import InstructorPage, Service, check_csrf, render
from tpgrade.service.lti.launch import (
    DEEP,
    LTI,
    STATE_COOKIE,
    Launch,
    LaunchRefused,
    PlatformKeys,
    begin_login,
    complete_launch,
)
from tpgrade.service.lti.people import account_of, bind_link, remember_link
from tpgrade.service.lti.registry import ALGORITHM, public_keys, signing_key

LOGIN_PATH, LAUNCH_PATH, KEYS_PATH, DEEP_PATH = (
    "/lti/login",
    "/lti/launch",
    "/lti/jwks.json",
    "/lti/deep-link",
)
PENDING_LINK = "lti_link"  # a launch's resource link that named no day, waiting for the first hand-in


def lti_routes(api: FastAPI, service: Service, keys: PlatformKeys | None = None) -> None:
    platform_keys = keys or PlatformKeys()
    base = service.config.public_url.rstrip("/")
    secure = base.startswith("https://")

    @api.exception_handler(LaunchRefused)
    async def refused(request: Request, exc: LaunchRefused) -> Response:
        response = render(request, "error.html", exc.status, message=exc.said)
        response.delete_cookie(STATE_COOKIE, path="/lti")
        return response

    async def asked(request: Request) -> dict[str, str]:
        if request.method == "POST":
            async with request.form(max_files=0, max_fields=20, max_part_size=64_000) as form:
                return {k: v for k, v in form.items() if isinstance(v, str)}
        return dict(request.query_params)

    @api.api_route(LOGIN_PATH, methods=["GET", "POST"], include_in_schema=False)
    async def login(request: Request) -> Response:
        params = await asked(request)
        where, state = await run_in_threadpool(
            service.run, lambda db: begin_login(db, params, base + LAUNCH_PATH), "begin the LTI login"
        )
        response = RedirectResponse(where, 302)
        response.set_cookie(  # the launch is posted from the platform's site: SameSite=None needs Secure
            STATE_COOKIE,
            state,
            max_age=600,
            path="/lti",
            httponly=True,
            secure=secure,
            samesite="none" if secure else "lax",
        )
        return response

    @api.post(LAUNCH_PATH, include_in_schema=False)
    async def launch(request: Request) -> Response:
        params = await asked(request)
        cookie = request.cookies.get(STATE_COOKIE)

        def enter(db: Any) -> tuple[Launch, str, str, str | None]:
            found = complete_launch(
                db, params.get("id_token", ""), params.get("state", ""), cookie, platform_keys
            )
            if found.message_type == DEEP and found.role != "instructor":
                raise LaunchRefused("Seul un enseignant du cours ajoute des TP à ce cours.", 403)
            account, digest = account_of(db, found)
            if not digest:
                raise LaunchRefused("Ce compte tpgrade a été révoqué : voyez avec l'enseignant.", 403)
            day = remember_link(db, found, account)
            return found, account.role, open_session(db, digest), day

        found, role, session, day = await run_in_threadpool(service.run, enter, "record the LTI launch")
        request.session.clear()
        request.session.update(session=session, csrf=secrets.token_urlsafe(24))
        if found.message_type == DEEP:
            request.session["deep_link"] = {
                "return": found.deep_link_return,
                "data": found.deep_link_data,
                "issuer": found.platform.issuer,
                "client_id": found.platform.client_id,
                "deployment_id": found.deployment_id,
            }
            where = DEEP_PATH
        elif day is None:
            where = "/"
            if role == "student" and found.lineitem and found.resource_link_id:  # bound at the first hand-in
                request.session[PENDING_LINK] = {
                    "issuer": found.platform.issuer,
                    "client_id": found.platform.client_id,
                    "deployment_id": found.deployment_id,
                    "resource_link_id": found.resource_link_id,
                    "lineitem": found.lineitem,
                    "sub": found.sub,
                }
        else:
            where = f"/instructor/days/{day}" if role == "instructor" else f"/days/{day}"
        response = RedirectResponse(where, 303)
        response.delete_cookie(STATE_COOKIE, path="/lti")
        return response

    @api.get(KEYS_PATH, include_in_schema=False)
    def tool_keys() -> JSONResponse:
        return JSONResponse(service.run(public_keys, "read the tool's keys"))

    @api.get(DEEP_PATH, response_class=HTMLResponse, include_in_schema=False)
    def deep_link_page(request: Request, account: InstructorPage) -> Response:
        if "deep_link" not in request.session:
            raise HTTPException(404, "Aucun ajout d'activité en cours : lancez-le depuis le cours.")
        return render(
            request, "lti_deep_link.html", account=account, days=DAYS, open_days=service.open_days()
        )

    @api.post(DEEP_PATH, response_class=HTMLResponse, include_in_schema=False)
    async def deep_link_answer(request: Request, account: InstructorPage) -> Response:
        async with request.form(max_files=0, max_fields=12) as form:
            check_csrf(request, form.get("csrf"))
            chosen = [str(day) for day in form.getlist("day") if day in DAYS]
        context = request.session.pop("deep_link", None)
        if not isinstance(context, dict) or not context.get("return"):
            raise HTTPException(404, "Aucun ajout d'activité en cours : lancez-le depuis le cours.")
        key = await run_in_threadpool(service.run, signing_key, "read the tool's key")
        now = int(time.time())
        claims = {
            "iss": context["client_id"],
            "aud": context["issuer"],
            "iat": now,
            "exp": now + 300,
            "nonce": secrets.token_urlsafe(16),
            LTI + "message_type": "LtiDeepLinkingResponse",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": context["deployment_id"],
            "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [
                {
                    "type": "ltiResourceLink",
                    "title": f"TP {day}",
                    "url": f"{base}{LAUNCH_PATH}?day={day}",
                    "custom": {"day": day},
                    "lineItem": {"label": f"TP {day}", "scoreMaximum": 100},
                }
                for day in chosen
            ],
        }
        if context.get("data"):
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = context["data"]
        signed = jwt.encode({"alg": ALGORITHM, "kid": key.kid}, claims, key)
        target = str(context["return"])
        response = render(request, "lti_return.html", action=target, jwt=signed, count=len(chosen))
        origin = urlparse(target)
        response.headers["content-security-policy"] = (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"form-action 'self' {origin.scheme}://{origin.netloc}; frame-ancestors 'none'; base-uri 'none'"
        )
        return response


def bind_pending_link(service: Service, request: Request, account: Account, day: str) -> None:
    """After a hand-in from the pages: the day-less link the student was launched from, if any,
    takes this day (its score goes back there)."""
    link = request.session.pop(PENDING_LINK, None)
    if isinstance(link, dict):
        service.run(lambda db: bind_link(db, link, account, day), "bind the LTI link")
