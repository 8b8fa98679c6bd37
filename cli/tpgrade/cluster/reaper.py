"""Giving the jobs of dead workers back to the queue, three attempts at most.

A job is stalled when the worker holding it has not sent its heartbeat for a
while (killed, its machine lost). It is put back in the queue; after its
third attempt it is ended and the submission gets a ``system_error`` result
saying, in French, to hand the same file in again without penalty. Every
worker's supervisor runs this: two reapers at once find the job moved by the
first and leave it.
"""

from __future__ import annotations

import procrastinate
from procrastinate import exceptions as procrastinate_errors
from procrastinate import jobs as procrastinate_jobs

from tpgrade import messages
from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.cohort.store import now
from tpgrade.models import SubmissionResult

MAX_ATTEMPTS = 3


def system_error(job: procrastinate_jobs.Job, attempts: int) -> SubmissionResult:
    arguments = job.task_kwargs
    return SubmissionResult(
        student=str(arguments["student"]),
        day=str(arguments["day"]),
        status="error",
        message=messages.SYSTEM_ERROR(count=attempts),
        submission_hash=str(arguments["submission_hash"]),
        grader_version=str(arguments["grader_version"]),
        graded_at=now(),
    )


async def reap(app: procrastinate.App, url: str, stalled_after: float) -> list[str]:
    """Retry or end every stalled job; one line for each."""
    said = []
    async with app.open_async():
        stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
        for job in stalled:
            attempts = job.attempts + 1  # the attempt that stalled is counted when it ends
            try:
                if attempts < MAX_ATTEMPTS:
                    await app.job_manager.retry_job(job)
                    said.append(
                        f"job {job.id} ({job.lock}): its worker stopped; attempt {attempts + 1} queued"
                    )
                    continue
                store = PostgresStore(url)
                try:
                    error = system_error(job, attempts)
                    handed_in = store.submission(error.day, error.student, error.submission_hash)
                    participant = handed_in.participant if handed_in is not None else ""
                    store.record_first(error.model_copy(update={"participant": participant}))
                finally:
                    store.close()
                await app.job_manager.finish_job(job, procrastinate_jobs.Status.FAILED, delete_job=False)
                said.append(f"job {job.id} ({job.lock}): stopped {attempts} times; marked as a system error")
            except procrastinate_errors.ConnectorException:
                continue  # another reaper moved it first
    return said
