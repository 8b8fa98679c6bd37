"""Receiving a hand-in: the intake's checks, then the file, its job and its receipt in one
transaction, before the sender is answered.

Nothing of the file runs here: it is read as data (type, size, encoding, the
notebook's cells) by the same checks as the command line's intake, and a
rejected file is answered at once with the reason, kept as a receipt and
never graded. The name the sender gave is only shown: the file is written
nowhere under it. The hand-in time is the server's clock, which the late
policy reads.
"""

from __future__ import annotations

import hashlib
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import procrastinate
import psycopg
from procrastinate import exceptions as procrastinate_errors

from tpgrade.cluster.jobs import JobOptions, enqueue_in, published_versions
from tpgrade.cohort.postgres_store import PostgresStore, Submission
from tpgrade.judge.submission import MAX_BYTES, Rejected, read_program
from tpgrade.service.accounts import Account
from tpgrade.service.receipts import Receipt, sign

MAX_NAME = 120


class NotReady(Exception):
    """No worker has said which graders it holds for the day: nothing can be queued yet."""


@dataclass(frozen=True)
class HandedIn:
    receipt: Receipt
    signed: str  # the receipt as a JWS
    rejection: str  # why the file was refused ("" when it was queued or found graded)


def shown_name(name: str) -> str:
    """The sender's file name reduced to a short base name of printable characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable())
    return kept.strip()[:MAX_NAME] or "soumission"


def refusal(name: str, content: bytes) -> str:
    """The intake's reason to refuse the file, or "" (the file is read, never run)."""
    suffix = Path(name).suffix.lower()[:16]
    with tempfile.TemporaryDirectory(prefix="tpgrade-upload-") as folder:
        path = Path(folder) / f"submission{suffix}"  # never the sender's name
        path.write_bytes(content)
        try:
            read_program(path, MAX_BYTES)
        except Rejected as rejection:
            return str(rejection)
    return ""


def hand_in(
    store: PostgresStore,
    app: procrastinate.App,
    account: Account,
    day: str,
    file_name: str,
    content: bytes,
    signing_key: str,
    kind: str = "cpu",
    options: JobOptions | None = None,
) -> HandedIn:
    """Check, store and queue one upload of ``account`` (a student) for ``day``."""
    assert account.student is not None
    name = shown_name(file_name)
    digest = hashlib.sha256(content).hexdigest()
    received = datetime.now(UTC)
    receipt = Receipt(secrets.token_urlsafe(16), day, account.student, digest, received.isoformat(), name)
    rejection = refusal(name, content)
    signed = sign(receipt, signing_key)

    def write(db: psycopg.Connection[Any]) -> None:
        version = published_versions(db, kind).get(day, "")
        if not version:
            raise NotReady(day)
        if not rejection:
            _queue(db, store, app, account.student or "", receipt, content, version, kind, options)
        db.execute(
            b"INSERT INTO web_submissions (id, account, day, student, submission_hash, grader_version, "
            b"file_name, size, received_at, rejection, receipt) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                receipt.id,
                account.id,
                day,
                account.student,
                digest,
                version,
                name,
                len(content),
                received,
                rejection,
                signed,
            ),
        )

    try:
        store.atomically(write, "store the hand-in")
    except procrastinate_errors.AlreadyEnqueued:
        store.atomically(write, "store the hand-in")  # the same file, a moment ago: its job is there
    return HandedIn(receipt, signed, rejection)


def _queue(
    db: psycopg.Connection[Any],
    store: PostgresStore,
    app: procrastinate.App,
    student: str,
    receipt: Receipt,
    content: bytes,
    version: str,
    kind: str,
    options: JobOptions | None,
) -> None:
    found = db.execute(
        b"SELECT status FROM results WHERE day=%s AND student=%s AND submission_hash=%s AND grader_version=%s",
        (receipt.day, student, receipt.sha256, version),
    ).fetchone()
    if found is not None and found[0] != "error":  # the same file, graded already: it is current again
        db.execute(
            b"INSERT INTO latest VALUES (%s, %s, %s, %s) ON CONFLICT (day, student) DO UPDATE SET "
            b"submission_hash = excluded.submission_hash, grader_version = excluded.grader_version",
            (receipt.day, student, receipt.sha256, version),
        )
        return
    modified = datetime.fromisoformat(receipt.received_at).timestamp()
    submission = Submission(receipt.day, student, receipt.sha256, receipt.file_name, content, "", modified)
    enqueue_in(
        db, app, submission, version, kind, options or JobOptions(), replace=found is not None, priority=10
    )
