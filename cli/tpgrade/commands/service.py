"""``tpgrade serve``, ``tpgrade roster``, ``tpgrade instructor`` and ``tpgrade receipt``:
the web service, its accounts and its signed receipts."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from tpgrade.commands.cluster import Url
from tpgrade.commands.common import err, out, user_errors
from tpgrade.errors import InputError, UsageError

if TYPE_CHECKING:
    import psycopg

T = TypeVar("T")

roster_app = typer.Typer(
    rich_markup_mode=None, help="Students' accounts of the web service.", no_args_is_help=True
)
instructor_app = typer.Typer(
    rich_markup_mode=None, help="Instructors' accounts of the web service.", no_args_is_help=True
)
receipt_app = typer.Typer(rich_markup_mode=None, help="The service's signed receipts.", no_args_is_help=True)

PublicUrl = Annotated[
    str,
    typer.Option(
        "--public-url",
        metavar="URL",
        envvar="TPGRADE_PUBLIC_URL",
        help="The address students open (behind a reverse proxy: its https:// address).",
        show_envvar=False,
    ),
]


def _service() -> None:
    """Say how to install what the service needs, instead of an import error."""
    try:
        import fastapi  # noqa: F401
        import joserfc  # noqa: F401
        import procrastinate  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UsageError("this command needs the service extra: pip install 'tpgrade[service]'") from None


def _in_database(url: str, action: Callable[[psycopg.Connection[Any]], T], what: str) -> T:
    from tpgrade.cluster.jobs import init_database
    from tpgrade.cohort.postgres_store import PostgresStore
    from tpgrade.service.schema import create_service_tables

    init_database(url)
    store = PostgresStore(url)
    try:

        def run(db: psycopg.Connection[Any]) -> T:
            create_service_tables(db)
            return action(db)

        return store.atomically(run, what)
    finally:
        store.close()


def login_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/login/{token}"


@user_errors
def serve(
    database: Url,
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", min=1, max=65535, help="Port to listen on.")] = 8000,
    public_url: PublicUrl = "",
    workers: Annotated[
        int,
        typer.Option(
            metavar="N", min=0, max=16, help="Local grading processes (0, or --no-workers: web front only)."
        ),
    ] = 2,
    no_workers: Annotated[
        bool,
        typer.Option("--no-workers", help="Run the web front only (workers run `tpgrade worker` elsewhere)."),
    ] = False,
    sandbox: Annotated[str, typer.Option(metavar="BACKEND", help="The local workers' sandbox.")] = "auto",
) -> None:
    """Run the web service: students hand in and read their feedback; local workers grade."""
    _service()
    import uvicorn

    from tpgrade.cohort.postgres_store import shown_url
    from tpgrade.service.web import ServiceConfig, create_app

    public = public_url or f"http://{host}:{port}"
    instructors = _in_database(
        database,
        lambda db: db.execute(b"SELECT count(*) FROM accounts WHERE role = 'instructor'").fetchone(),
        "read",
    )
    app = create_app(ServiceConfig(database=database, public_url=public))
    worker = None
    if workers and not no_workers:
        command = [sys.executable, "-m", "tpgrade", "worker", "--database", database]
        command += ["--processes", str(workers), "--sandbox", sandbox]
        worker = subprocess.Popen(command, env={**os.environ, "TPGRADE_DATABASE": database})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("procrastinate").setLevel(logging.WARNING)  # a line per job is the workers' to say
    err.print(
        f"tpgrade service on {public} (database {shown_url(database)})",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if not instructors or not instructors[0]:
        err.print(
            "no instructor yet: `tpgrade instructor add EMAIL` prints a login link",
            highlight=False,
            soft_wrap=True,
        )
    try:
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning", proxy_headers=True)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=300)


@roster_app.command("import")
@user_errors
def roster_import(
    roster: Annotated[
        Path, typer.Argument(metavar="CSV", help="Moodle's participants export, or student,email.")
    ],
    database: Url,
    links: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="Where to write the new login links.")
    ] = Path("links.csv"),
    public_url: PublicUrl = "http://127.0.0.1:8000",
) -> None:
    """Create the roster's student accounts; write the new ones' login links (CSV)."""
    _service()
    from tpgrade.service.accounts import import_students, read_roster

    if links.exists():
        raise InputError(f"{links} exists: its links would be lost; choose another --out")
    try:
        text = roster.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {roster}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{roster} is not UTF-8 text: export it again as CSV (UTF-8)") from None
    people = read_roster(text)
    issued, kept = _in_database(database, lambda db: import_students(db, people), "create the accounts")
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["student", "email", "token", "link"])
    for item in issued:
        writer.writerow(
            [item.account.student, item.account.email, item.token, login_link(public_url, item.token)]
        )
    links.write_text(table.getvalue(), encoding="utf-8")
    os.chmod(links, 0o600)  # the links log in: only their owner reads the file
    said = f"{len(issued)} new account(s), links in {links}; {kept} already there (links unchanged)"
    out.print(said, highlight=False, markup=False, soft_wrap=True)


@roster_app.command("revoke")
@user_errors
def roster_revoke(
    who: Annotated[str, typer.Argument(metavar="STUDENT_OR_EMAIL")],
    database: Url,
) -> None:
    """Revoke an account's login tokens (its sessions end at once)."""
    _service()
    from tpgrade.service.accounts import revoke

    count = _in_database(database, lambda db: revoke(db, who), "revoke the tokens")
    if not count:
        raise InputError(f"no live token for {who!r} (a student's name as in the roster, or an email)")
    out.print(f"{count} token(s) of {who} revoked", highlight=False, markup=False, soft_wrap=True)


@instructor_app.command("add")
@user_errors
def instructor_add(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    database: Url,
    public_url: PublicUrl = "http://127.0.0.1:8000",
) -> None:
    """Create an instructor account (or give it a new token); print its login link."""
    _service()
    from tpgrade.service.accounts import add_instructor

    if "@" not in email:
        raise UsageError(f"{email!r} is not an email address")
    issued = _in_database(database, lambda db: add_instructor(db, email), "create the account")
    out.print(login_link(public_url, issued.token), highlight=False, markup=False, soft_wrap=True)


@receipt_app.command("key")
@user_errors
def receipt_key(database: Url) -> None:
    """Print the public key that signs receipts (as /.well-known/jwks.json gives it)."""
    _service()
    from tpgrade.service.receipts import new_key, public_jwk
    from tpgrade.service.schema import secret

    private = _in_database(database, lambda db: secret(db, "receipt_key", new_key), "read the key")
    out.print(
        json.dumps({"keys": [public_jwk(private)]}, indent=2), highlight=False, markup=False, soft_wrap=True
    )


@receipt_app.command("verify")
@user_errors
def receipt_verify(
    receipt: Annotated[Path, typer.Argument(metavar="FILE", help="The .jws receipt the service gave.")],
    key: Annotated[
        Path,
        typer.Option(metavar="FILE", help="The service's public key (tpgrade receipt key, or jwks.json)."),
    ],
    submission: Annotated[
        Path | None,
        typer.Option("--file", metavar="FILE", help="Also check that this file is the one received."),
    ] = None,
) -> None:
    """Check a receipt offline: signed by the service, and (with --file) for these bytes."""
    _service()
    import hashlib

    from tpgrade.service.receipts import verify

    token, jwk = _read(receipt), _read(key)
    try:
        found = json.loads(jwk)
    except ValueError:
        raise InputError(f"{key} is not a JSON key (tpgrade receipt key prints one)") from None
    keys = found.get("keys", [found]) if isinstance(found, dict) else []
    if not keys:
        raise InputError(f"{key} holds no key")
    checked = None
    for candidate in keys:
        try:
            checked = verify(token, candidate)
            break
        except InputError:
            continue
    if checked is None:
        raise InputError(f"{receipt} is not a receipt signed by this key: do not trust what it says")
    for name, value in vars(checked).items():
        out.print(f"{name}: {value}", highlight=False, markup=False, soft_wrap=True)
    if submission is not None:
        digest = hashlib.sha256(submission.read_bytes()).hexdigest()
        if digest != checked.sha256:
            raise InputError(f"{submission} is not the file this receipt is for (its SHA-256 differs)")
        out.print(f"{submission}: the file received", highlight=False, markup=False, soft_wrap=True)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
