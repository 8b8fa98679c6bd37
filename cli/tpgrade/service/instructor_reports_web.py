"""The instructor's report pages and API: the day's summary with its plots, the similarity
report, Moodle's worksheet filled in and its feedback zip, the workers heard from.

The reports are made in a thread of the pool (plots and syntax trees take a
while): the event loop keeps answering the students meanwhile. A student who
finds these addresses gets "not found", as on the other instructor's routes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.errors import InputError
from tpgrade.reports.similarity import DEFAULT_THRESHOLD, Comparison
from tpgrade.reports.summary import STATUS_WORDS, Figures
from tpgrade.service.api_docs import answers, worksheet_body
from tpgrade.service.context import InstructorApi, InstructorPage, Service, check_csrf, render
from tpgrade.service.instructor import heartbeats
from tpgrade.service.instructor_reports import Refused, feedback_zip, filled_worksheet, similarity, summary

T = TypeVar("T")
CSV = "text/csv; charset=utf-8"
ZIP = "application/zip"


class PairOut(BaseModel):
    first: str
    second: str
    similarity: float  # Jaccard index of the code's fingerprints, 0 to 1


class NoteOut(BaseModel):
    student: str
    note: str  # why the student's code was not compared, or not all of it


class SimilarityOut(BaseModel):
    threshold: float
    pairs: list[PairOut]  # most similar first
    notes: list[NoteOut]


class WorkerOut(BaseModel):
    id: int
    last_heartbeat: datetime
    alive: bool


def _similarity_out(threshold: float, comparison: Comparison) -> SimilarityOut:
    return SimilarityOut(
        threshold=threshold,
        pairs=[PairOut(first=p.first, second=p.second, similarity=p.similarity) for p in comparison.pairs],
        notes=[NoteOut(student=student, note=note) for student, note in comparison.notes],
    )


def _file(content: bytes, media: str, name: str, counts: dict[str, int]) -> Response:
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    headers.update({f"x-tpgrade-{key}": str(value) for key, value in counts.items()})
    return Response(content, media_type=media, headers=headers)


async def _upload(request: Request, page: bool) -> tuple[dict[str, str], bytes | None]:
    """The form's text fields and the uploaded file's bytes (None without one)."""
    async with request.form(max_files=1, max_fields=4) as form:
        if page:
            check_csrf(request, form.get("csrf"))
        upload = form.get("worksheet") if page else form.get("file")
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        if isinstance(upload, UploadFile) and upload.filename:
            return fields, await upload.read()
        return fields, None


def report_routes(api: FastAPI, service: Service, known: Callable[[str], None]) -> None:
    async def in_thread(action: Callable[[PostgresStore], T]) -> T:
        def borrowed() -> T:
            with service.pool.borrow() as store:
                return action(store)

        return await run_in_threadpool(borrowed)

    async def moodle_file(day: str, want: str, worksheet: bytes | None) -> Response:
        if want == "worksheet":
            if worksheet is None:
                raise Refused(
                    "send the grading worksheet downloaded from Moodle (multipart field 'file')",
                    "Choisissez la feuille d'évaluation téléchargée depuis Moodle (CSV) avant d'envoyer.",
                )
            content, filled = await in_thread(lambda store: filled_worksheet(store, day, worksheet))
            counts = {"filled": filled.filled, "unmatched": len(filled.unmatched)}
            return _file(content, CSV, f"moodle_worksheet_{day}.csv", counts)
        if want == "feedback":
            content, count, skipped = await in_thread(lambda store: feedback_zip(store, day, worksheet))
            counts = {"feedback-pages": count, "left-out": len(skipped)}
            return _file(content, ZIP, f"moodle_feedback_{day}.zip", counts)
        raise HTTPException(400, "Action inconnue.")

    @api.get("/instructor/days/{day}/summary", response_class=HTMLResponse, include_in_schema=False)
    async def summary_page(request: Request, day: str, account: InstructorPage) -> Response:
        known(day)
        figures, refused = await in_thread(lambda store: summary(store, day))
        return render(
            request,
            "summary.html",
            account=account,
            day=day,
            figures=figures,
            refused=refused,
            words=STATUS_WORDS,
        )

    @api.get("/instructor/days/{day}/similarity", response_class=HTMLResponse, include_in_schema=False)
    async def similarity_page(
        request: Request, day: str, account: InstructorPage, seuil: str = ""
    ) -> Response:
        known(day)
        threshold = _threshold(seuil) if seuil.strip() else DEFAULT_THRESHOLD
        try:
            comparison = await in_thread(lambda store: similarity(store, day, threshold))
        except Refused as refused:
            raise InputError(refused.french) from None
        return render(
            request, "similarity.html", account=account, day=day, threshold=threshold, comparison=comparison
        )

    @api.post("/instructor/days/{day}/moodle", include_in_schema=False)
    async def moodle_page(request: Request, day: str, account: InstructorPage) -> Response:
        known(day)
        fields, worksheet = await _upload(request, page=True)
        try:
            return await moodle_file(day, fields.get("want", ""), worksheet)
        except Refused as refused:
            raise InputError(refused.french) from None

    @api.get("/api/v1/days/{day}/summary", tags=["instructors"], responses=answers(401, 404, 503))
    async def api_summary(day: str, account: InstructorApi, plots: bool = True) -> Figures:
        """The day's cohort summary: scores, questions, frequent failures, grading times, and
        the histograms as a base64 PNG (``plots=false`` leaves them out)."""
        known(day)
        figures, _ = await in_thread(lambda store: summary(store, day, plots))
        return figures

    @api.get("/api/v1/days/{day}/similarity", tags=["instructors"], responses=answers(400, 401, 404, 503))
    async def api_similarity(
        day: str, account: InstructorApi, threshold: float = Query(DEFAULT_THRESHOLD, ge=0.0, le=1.0)
    ) -> SimilarityOut:
        """Pairs of students whose latest submissions' code is at least ``threshold`` similar
        (syntax trees, names and the stub's code left out; nothing is run)."""
        known(day)
        return _similarity_out(threshold, await in_thread(lambda store: similarity(store, day, threshold)))

    @api.post(
        "/api/v1/days/{day}/moodle/worksheet",
        tags=["instructors"],
        response_class=Response,
        responses={200: {"content": {CSV: {}}}, **answers(400, 401, 404, 413, 503)},
        openapi_extra=worksheet_body(required=True),
    )
    async def api_worksheet(request: Request, day: str, account: InstructorApi) -> Response:
        """Moodle's grading worksheet (multipart ``file``) with the day's grades and comments
        filled in; ``x-tpgrade-filled`` and ``x-tpgrade-unmatched`` count the students."""
        known(day)
        _, worksheet = await _upload(request, page=False)
        return await moodle_file(day, "worksheet", worksheet)

    @api.post(
        "/api/v1/days/{day}/moodle/feedback.zip",
        tags=["instructors"],
        response_class=Response,
        responses={200: {"content": {ZIP: {}}}, **answers(400, 401, 404, 413, 503)},
        openapi_extra=worksheet_body(required=False),
    )
    async def api_feedback_zip(request: Request, day: str, account: InstructorApi) -> Response:
        """The zip of feedback pages Moodle's "upload multiple feedback files" takes; the
        grading worksheet (multipart ``file``, optional) gives the participant numbers of
        those who handed in here."""
        known(day)
        _, worksheet = await _upload(request, page=False)
        return await moodle_file(day, "feedback", worksheet)

    @api.get("/api/v1/workers", tags=["instructors"], responses=answers(401, 404, 503))
    def api_workers(account: InstructorApi) -> list[WorkerOut]:
        """The workers the queue knows, with their last heartbeat and whether they are alive."""
        beats = service.run(heartbeats, "read the workers")
        return [WorkerOut(id=b.id, last_heartbeat=b.last_heartbeat, alive=b.alive) for b in beats]


def _threshold(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise HTTPException(400, f"Seuil invalide : {text!r} (un nombre entre 0 et 1, par exemple 0,8).")
    return value
