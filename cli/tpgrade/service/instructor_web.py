"""The instructor's pages and API: the cohort table, one student's grading, adjustments,
re-grading, release, downloads (the reports' are :mod:`tpgrade.service.instructor_reports_web`'s).
A student who finds these addresses gets "not found"."""

from __future__ import annotations

import urllib.parse
from typing import Any

import markdown
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from tpgrade.models import SubmissionResult
from tpgrade.reports.feedback import feedback_markdown
from tpgrade.service.api_docs import answers
from tpgrade.service.context import InstructorApi, InstructorPage, Service, check_csrf, render
from tpgrade.service.instructor import (
    adjust,
    adjusted_latest,
    cohort,
    download,
    regrade,
    release_state,
    set_release,
)
from tpgrade.service.instructor_reports_web import report_routes
from tpgrade.service.status import student_history

DOWNLOADS = ("gradebook.csv", "moodle.csv", "results.json")


class AdjustIn(BaseModel):
    student: str
    question: str
    points: float | None = None  # None clears the adjustment
    comment: str = ""


class RegradeIn(BaseModel):
    student: str | None = None  # None: the whole day


class ReleaseIn(BaseModel):
    held: bool  # scores kept from the students until released
    released: bool = False


class Done(BaseModel):
    done: str


def instructor_routes(api: FastAPI, service: Service) -> None:
    def known(day: str) -> None:
        if day not in service.open_days():
            raise HTTPException(404, "Ce TP n'est pas ouvert (aucun correcteur ne l'a annoncé).")

    def back(day: str, student: str | None = None) -> RedirectResponse:
        where = f"/instructor/days/{urllib.parse.quote(day)}"
        if student is not None:
            where += "/student?" + urllib.parse.urlencode({"name": student})
        return RedirectResponse(where, 303)

    async def form_of(request: Request) -> dict[str, str]:
        async with request.form(max_files=0, max_fields=10) as form:
            check_csrf(request, form.get("csrf"))
            return {key: value for key, value in form.items() if isinstance(value, str)}

    @api.get("/instructor/days/{day}", response_class=HTMLResponse, include_in_schema=False)
    def cohort_page(
        request: Request, day: str, account: InstructorPage, sort: str = "student", q: str = ""
    ) -> Any:
        known(day)
        with service.pool.borrow() as store:
            found = cohort(store, day, sort, q)
        return render(
            request,
            "cohort.html",
            account=account,
            cohort=found,
            sort=sort,
            q=q,
            downloads=DOWNLOADS,
            lti=any(row.passback for row in found.rows),
        )

    @api.get("/instructor/days/{day}/student", response_class=HTMLResponse, include_in_schema=False)
    def student_page(request: Request, day: str, name: str, account: InstructorPage) -> Any:
        known(day)
        with service.pool.borrow() as store:
            result = next((r for r in adjusted_latest(store, day) if r.student == name), None)
            hand_ins = store.atomically(lambda db: student_history(db, name, day), "read the hand-ins")
        if result is None and not hand_ins:
            raise HTTPException(404, "Aucun rendu de cet étudiant pour ce TP.")
        feedback = markdown.markdown(feedback_markdown(result, day), extensions=["tables"]) if result else ""
        return render(
            request,
            "student.html",
            account=account,
            day=day,
            student=name,
            result=result,
            feedback=feedback,
            submissions=hand_ins,
        )

    @api.post("/instructor/days/{day}/adjust", include_in_schema=False)
    async def adjust_page(request: Request, day: str, account: InstructorPage) -> Response:
        known(day)
        form = await form_of(request)
        student, question = form.get("student", ""), form.get("question", "")
        points = None if form.get("clear") else _points(form.get("points", ""))
        with service.pool.borrow() as store:
            adjust(store, day, student, question, points, form.get("comment", ""), account.email)
        return back(day, student)

    @api.post("/instructor/days/{day}/regrade", include_in_schema=False)
    async def regrade_page(request: Request, day: str, account: InstructorPage) -> Response:
        known(day)
        student = (await form_of(request)).get("student") or None
        with service.pool.borrow() as store:
            regrade(store, service.queue, day, service.config.kind, student)
        return back(day, student)

    @api.post("/instructor/days/{day}/release", include_in_schema=False)
    async def release_page(request: Request, day: str, account: InstructorPage) -> Response:
        known(day)
        action = (await form_of(request)).get("action", "")
        if action not in ("hold", "release", "immediate"):
            raise HTTPException(400, "Action inconnue.")
        held, released = action != "immediate", action == "release"
        service.run(lambda db: set_release(db, day, held, released), "record the release")
        return back(day)

    @api.get("/instructor/days/{day}/download/{kind}", include_in_schema=False)
    def download_page(day: str, kind: str, account: InstructorPage) -> Response:
        known(day)
        if kind not in DOWNLOADS:
            raise HTTPException(404, "Téléchargement inconnu.")
        with service.pool.borrow() as store:
            content, media, name = download(store, day, kind)
        return Response(
            content, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'}
        )

    @api.get("/api/v1/days/{day}/results", tags=["instructors"], responses=answers(401, 404, 503))
    def api_results(day: str, account: InstructorApi) -> list[SubmissionResult]:
        """Each student's current result, the adjustments applied (instructors only)."""
        known(day)
        with service.pool.borrow() as store:
            return adjusted_latest(store, day)

    @api.post("/api/v1/days/{day}/adjustments", tags=["instructors"], responses=answers(400, 401, 404, 503))
    def api_adjust(day: str, body: AdjustIn, account: InstructorApi) -> Done:
        """Give one question of one student the points decided (``points`` null clears it)."""
        known(day)
        with service.pool.borrow() as store:
            said = adjust(store, day, body.student, body.question, body.points, body.comment, account.email)
        return Done(done=said)

    @api.post("/api/v1/days/{day}/regrade", tags=["instructors"], responses=answers(400, 401, 404, 503))
    def api_regrade(day: str, body: RegradeIn, account: InstructorApi) -> Done:
        """Grade one student's (or everyone's) latest submission again, after students' hand-ins."""
        known(day)
        with service.pool.borrow() as store:
            count = regrade(store, service.queue, day, service.config.kind, body.student)
        return Done(done=f"{count} job(s) queued")

    @api.post("/api/v1/days/{day}/release", tags=["instructors"], responses=answers(400, 401, 404, 503))
    def api_release(day: str, body: ReleaseIn, account: InstructorApi) -> Done:
        """Hold the day's scores until release, release them, or show them at once."""
        known(day)
        service.run(lambda db: set_release(db, day, body.held, body.released), "record the release")
        held, released_at = service.run(lambda db: release_state(db, day), "read the release")
        return Done(done="released" if released_at else ("held" if held else "shown at once"))

    report_routes(api, service, known)


def _points(text: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise HTTPException(400, f"Points invalides : {text!r} (un nombre, par exemple 1,5).") from None
