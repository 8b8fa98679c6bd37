"""Scores back to the platforms (Assignment and Grade Services), through an outbox.

``sync`` writes, for each student launched from a resource link with a line
item, the score the student may see now (adjustments and the late policy
applied; nothing while the day's scores are held) as the outbox's wanted
score, once per change. ``send`` posts the pending ones: a client-credentials
token got with a JWT assertion signed by the tool's key, then the score to
``{lineitem}/scores``. A platform that is down, or answers 5xx or 429, is
tried again later (5 s, doubling, up to an hour; failed after 12 tries). A
post is idempotent: a score carries the time it was decided, later at each
change, and the platform ignores an older one.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
from joserfc import jwt
from joserfc.jwk import RSAKey

from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.models import SubmissionResult
from tpgrade.service.instructor import adjusted_latest, scores_visible
from tpgrade.service.lti.registry import ALGORITHM, platform, signing_key

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


Post = Callable[[str, bytes, dict[str, str]], Answer]


def http_post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return Answer(response.status, response.read(100_000))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.read(10_000))


def comment_of(result: SubmissionResult) -> str:
    passed = sum(1 for q in result.questions.values() if q.score >= q.max_score > 0)
    late = f", pénalité de retard −{result.late_penalty:g}" if result.late_penalty else ""
    return f"tpgrade : {passed} question(s) sur {len(result.questions)} réussie(s){late}."


_FINGERPRINT = (
    b"SELECT md5(concat_ws('|', "
    b"(SELECT count(*) || '/' || coalesce(max(graded_at), '') FROM results WHERE day = %(day)s), "
    b"(SELECT string_agg(student || submission_hash || grader_version, ',' ORDER BY student) "
    b"FROM latest WHERE day = %(day)s), "
    b"(SELECT string_agg(student || question || points || decided_at, ',' ORDER BY student, question) "
    b"FROM adjustments WHERE day = %(day)s), "
    b"(SELECT held || '/' || coalesce(released_at::text, '') FROM day_releases WHERE day = %(day)s), "
    b"(SELECT rules::text || coalesce(late::text, '') FROM day_rules WHERE day = %(day)s), "
    b"(SELECT count(*) FROM lti_grades WHERE day = %(day)s)))"
)


def sync(store: PostgresStore, seen: dict[str, str] | None = None) -> int:
    """Write each LTI student's current score into the outbox where it changed; how many.
    ``seen`` keeps each day's fingerprint (results, adjustments, release, rules, LTI students):
    a day whose fingerprint has not moved is not read again."""
    days = store.atomically(
        lambda db: [str(r[0]) for r in db.execute(b"SELECT DISTINCT day FROM lti_grades").fetchall()],
        "read the LTI days",
    )
    changed = 0
    for day in days:
        mark = store.atomically(partial(_fingerprint, day=day), "read the day's state")
        if seen is not None and seen.get(day) == mark:
            continue
        if not store.atomically(partial(scores_visible, day=day), "read the release"):
            continue
        results = {r.student: r for r in adjusted_latest(store, day) if r.status == "graded"}
        changed += store.atomically(partial(_wanted, day=day, results=results), "fill the outbox")
        if seen is not None:
            seen[day] = mark
    return changed


def _fingerprint(db: psycopg.Connection[Any], day: str) -> str:
    row = db.execute(_FINGERPRINT, {"day": day}).fetchone()
    return str(row[0]) if row else ""


def _wanted(db: psycopg.Connection[Any], day: str, results: dict[str, SubmissionResult]) -> int:
    rows = db.execute(
        b"SELECT g.account, a.student, g.issuer, g.client_id, g.lineitem, g.sub FROM lti_grades g "
        b"JOIN accounts a ON a.id = g.account WHERE g.day = %s",
        (day,),
    ).fetchall()
    changed = 0
    for account, student, issuer, client_id, lineitem, sub in rows:
        result = results.get(student)
        if result is None:
            continue
        graded = result.graded_at or datetime.now(UTC).isoformat()
        changed += db.execute(
            b"INSERT INTO lti_outbox (account, day, lineitem, issuer, client_id, sub, score_given, "
            b"score_maximum, comment, scored_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            b"ON CONFLICT (account, day, lineitem) DO UPDATE SET score_given = excluded.score_given, "
            b"score_maximum = excluded.score_maximum, comment = excluded.comment, sub = excluded.sub, "
            b"scored_at = GREATEST(excluded.scored_at, lti_outbox.scored_at + interval '1 second'), "
            b"version = lti_outbox.version + 1, status = 'pending', attempts = 0, next_at = now(), "
            b"last_error = '' WHERE (lti_outbox.score_given, lti_outbox.score_maximum, lti_outbox.comment) "
            b"IS DISTINCT FROM (excluded.score_given, excluded.score_maximum, excluded.comment)",
            (
                account,
                day,
                lineitem,
                issuer,
                client_id,
                sub,
                result.score,
                result.max_score,
                comment_of(result),
                graded,
            ),
        ).rowcount
    return changed


def scores_url(lineitem: str) -> str:
    """``{lineitem}/scores``, the line item's own query kept."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


class Sender:
    """Posts the outbox's pending scores, with a token per platform kept until it expires."""

    def __init__(self, store: PostgresStore, post: Post = http_post) -> None:
        self.store = store
        self.post = post
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def send(self, limit: int = 50) -> int:
        """Post what is due (rows locked, so two web processes never post one twice); how many sent."""
        key = self.store.atomically(signing_key, "read the tool's key")  # committed: the platform reads it
        return self.store.atomically(lambda db: self._send_due(db, key, limit), "post the scores")

    def _send_due(self, db: psycopg.Connection[Any], key: RSAKey, limit: int) -> int:
        due = db.execute(
            b"SELECT account, day, lineitem, issuer, client_id, sub, score_given, score_maximum, comment, "
            b"scored_at, attempts FROM lti_outbox WHERE status = 'pending' AND next_at <= now() "
            b"ORDER BY next_at LIMIT %s FOR UPDATE SKIP LOCKED",
            (limit,),
        ).fetchall()
        sent = 0
        for row in due:
            account, day, lineitem, issuer, client_id, sub, given, maximum, comment, scored_at, attempts = row
            error = self._post_one(
                db, key, issuer, client_id, lineitem, sub, given, maximum, comment, scored_at
            )
            where = (account, day, lineitem)
            if not error:
                db.execute(
                    b"UPDATE lti_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, "
                    b"last_error = '' WHERE account = %s AND day = %s AND lineitem = %s",
                    where,
                )
                sent += 1
                continue
            retry, said = error
            tries = attempts + 1
            status = "pending" if retry and tries < MAX_ATTEMPTS else "failed"
            wait = min(3600.0, 5.0 * 2**attempts)
            db.execute(
                b"UPDATE lti_outbox SET status = %s, attempts = %s, last_error = %s, "
                b"next_at = now() + make_interval(secs => %s) WHERE account = %s AND day = %s AND lineitem = %s",
                (status, tries, said[:500], wait, *where),
            )
        return sent

    def _post_one(
        self,
        db: psycopg.Connection[Any],
        key: RSAKey,
        issuer: str,
        client_id: str,
        lineitem: str,
        sub: str,
        given: float,
        maximum: float,
        comment: str,
        scored_at: datetime,
    ) -> tuple[bool, str] | None:
        """None once posted, else (worth trying again, why not)."""
        token = self._token(db, key, issuer, client_id)
        if isinstance(token, tuple):
            return token
        score = {
            "userId": sub,
            "scoreGiven": given,
            "scoreMaximum": maximum,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": scored_at.astimezone(UTC).isoformat(timespec="milliseconds"),
            "comment": comment,
        }
        headers = {"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE}
        try:
            answer = self.post(scores_url(lineitem), json.dumps(score).encode(), headers)
        except OSError as exc:
            return True, f"the platform is unreachable ({type(exc).__name__})"
        if answer.status == 401:
            self._tokens.pop((issuer, client_id), None)
            return True, "the platform refused the token (401)"
        if 200 <= answer.status < 300 or answer.status == 409:  # 409: it holds this score or a later one
            return None
        return answer.status >= 500 or answer.status == 429, f"the platform answered {answer.status}"

    def _token(
        self, db: psycopg.Connection[Any], key: RSAKey, issuer: str, client_id: str
    ) -> str | tuple[bool, str]:
        kept = self._tokens.get((issuer, client_id))
        if kept is not None and kept[1] > time.time() + 30:
            return kept[0]
        found = platform(db, issuer, client_id)
        if found is None:
            return False, "the platform is no longer registered"
        now = int(time.time())
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": found.token_url,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
        }
        assertion = jwt.encode({"alg": ALGORITHM, "kid": key.kid}, claims, key)
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
            "scope": SCORE_SCOPE,
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        try:
            answer = self.post(found.token_url, urlencode(form).encode(), headers)
        except OSError as exc:
            return True, f"the platform's token endpoint is unreachable ({type(exc).__name__})"
        if answer.status != 200:
            return (
                answer.status >= 500 or answer.status == 429,
                f"no token: the platform answered {answer.status}",
            )
        try:
            granted = json.loads(answer.body)
            value, lasts = str(granted["access_token"]), float(granted.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            return True, "the platform's token answer is not JSON with an access_token"
        self._tokens[(issuer, client_id)] = (value, time.time() + lasts)
        return value


class Passback:
    """``sync`` then ``send`` every ``interval`` seconds in a thread, until stopped."""

    def __init__(self, store: PostgresStore, interval: float = 5.0, post: Post = http_post) -> None:
        self.store, self.interval = store, interval
        self.sender = Sender(store, post)
        self._seen: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tpgrade-lti-passback", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def once(self) -> int:
        sync(self.store, self._seen)
        return self.sender.send()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.once()
            except Exception:  # the database away a moment: the next round tries again
                import logging

                logging.getLogger("tpgrade.service").warning("LTI passback round failed", exc_info=True)
