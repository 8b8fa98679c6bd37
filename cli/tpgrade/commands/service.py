"""``tpgrade serve``, ``tpgrade roster``, ``tpgrade instructor`` and ``tpgrade receipt``:
the web service, its accounts and its signed receipts."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from tpgrade.commands.common import err, out, student_errors, user_errors
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

Database = Annotated[
    str | None,
    typer.Option(
        "--database",
        metavar="URL",
        envvar="TPGRADE_DATABASE",
        help="postgresql://USER:PASSWORD@HOST:PORT/DB (or TPGRADE_DATABASE); without it, "
        "tpgrade's own PostgreSQL server under --data.",
        show_envvar=False,
    ),
]
DataFolder = Annotated[
    Path,
    typer.Option("--data", metavar="FOLDER", help="The own server's folder (without --database)."),
]
DEFAULT_DATA = Path("tpgrade-service")
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


@contextlib.contextmanager
def reached(database: str | None, data: Path) -> Iterator[str]:
    """The database's URL: the one given, else tpgrade's own server under ``data`` (created and
    started if need be; stopped after if this command started it)."""
    if database:
        yield database
        return
    from tpgrade.cluster.private_postgres import PostgresCluster

    cluster = PostgresCluster(data)
    started = not cluster.running()
    if started:
        cluster.start()
    try:
        yield cluster.ensure_database("tpgrade")
    finally:
        if started:
            cluster.stop()


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
    database: Database = None,
    data: DataFolder = DEFAULT_DATA,
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
    proxy: Annotated[
        str,
        typer.Option(
            metavar="ADDRESSES",
            help="The reverse proxies whose X-Forwarded-For/-Proto headers are believed "
            "(comma-separated addresses or networks; '*' for any).",
        ),
    ] = "127.0.0.1",
    course: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Course file (TOML): [service.DAY] opens, closes, uploads_per_hour, scores "
            "(immediate or on_release) and [late.DAY] due, penalty_per_day, max_days. Kept in the "
            "database for every web process; without it, the rules already there stay.",
        ),
    ] = None,
) -> None:
    """Run the web service: students hand in and read their feedback; local workers grade."""
    _service()
    import uvicorn

    from tpgrade.service.policy import load_course, store_rules

    rules = load_course(course) if course is not None else None

    from tpgrade.cohort.postgres_store import shown_url
    from tpgrade.service.web import ServiceConfig, create_app

    public = public_url or f"http://{host}:{port}"
    with reached(database, data) as url:
        own = database is None
        if own:  # one machine: a fresh instructor link at each start (the others stay valid)
            from tpgrade.service.accounts import add_instructor

            issued = _in_database(
                url, lambda db: add_instructor(db, "instructor@localhost"), "add the instructor"
            )
            instructor = login_link(public, issued.token)
        else:
            count = _in_database(
                url,
                lambda db: db.execute(b"SELECT count(*) FROM accounts WHERE role = 'instructor'").fetchone(),
                "read",
            )
            instructor = (
                "" if count and count[0] else "none yet: `tpgrade instructor add EMAIL` prints a login link"
            )
        if rules is not None:
            _in_database(url, lambda db: store_rules(db, rules), "store the course's rules")
            named = sorted(set(rules.days) | set(rules.late))
            said = f"course rules from {course}: {', '.join(named) or 'none (every day open)'}"
            err.print(said, highlight=False, markup=False, soft_wrap=True)
        app = create_app(ServiceConfig(database=url, public_url=public))
        worker = None
        if workers and not no_workers:
            command = [
                sys.executable,
                "-m",
                "tpgrade",
                "worker",
                "--processes",
                str(workers),
                "--sandbox",
                sandbox,
            ]
            worker = subprocess.Popen(command, env={**os.environ, "TPGRADE_DATABASE": url})  # not in ps
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
        logging.getLogger("procrastinate").setLevel(logging.WARNING)  # a line per job is the workers' to say
        where = f"its own PostgreSQL server in {data}" if own else shown_url(url)
        say = f"tpgrade service on {public} (database: {where}); workers: {0 if worker is None else workers}"
        err.print(say, highlight=False, markup=False, soft_wrap=True)
        if instructor:
            err.print(f"instructor: {instructor}", highlight=False, markup=False, soft_wrap=True)
        from tpgrade.cohort.postgres_store import PostgresStore
        from tpgrade.service.lti.passback import Passback

        passback = Passback(PostgresStore(url))  # LTI students' scores back to their platforms
        passback.start()
        try:
            uvicorn.run(
                app,
                host=host,
                port=port,
                access_log=False,
                log_level="warning",
                proxy_headers=True,
                forwarded_allow_ips=proxy,
            )
        finally:
            passback.stop()
            passback.store.close()
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=300)


@roster_app.command("import")
@user_errors
def roster_import(
    roster: Annotated[
        Path, typer.Argument(metavar="CSV", help="Moodle's participants export, or student,email.")
    ],
    database: Database = None,
    data: DataFolder = DEFAULT_DATA,
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
    with reached(database, data) as url:
        issued, kept = _in_database(url, lambda db: import_students(db, people), "create the accounts")
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
    database: Database = None,
    data: DataFolder = DEFAULT_DATA,
) -> None:
    """Revoke an account's login tokens (its sessions end at once)."""
    _service()
    from tpgrade.service.accounts import revoke

    with reached(database, data) as url:
        count = _in_database(url, lambda db: revoke(db, who), "revoke the tokens")
    if not count:
        raise InputError(f"no live token for {who!r} (a student's name as in the roster, or an email)")
    out.print(f"{count} token(s) of {who} revoked", highlight=False, markup=False, soft_wrap=True)


@instructor_app.command("add")
@user_errors
def instructor_add(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    database: Database = None,
    data: DataFolder = DEFAULT_DATA,
    public_url: PublicUrl = "http://127.0.0.1:8000",
) -> None:
    """Create an instructor account (or give it a new token); print its login link."""
    _service()
    from tpgrade.service.accounts import add_instructor

    if "@" not in email:
        raise UsageError(f"{email!r} is not an email address")
    with reached(database, data) as url:
        issued = _in_database(url, lambda db: add_instructor(db, email), "create the account")
    out.print(login_link(public_url, issued.token), highlight=False, markup=False, soft_wrap=True)


@receipt_app.command("key")
@user_errors
def receipt_key(database: Database = None, data: DataFolder = DEFAULT_DATA) -> None:
    """Print the public key that signs receipts (as /.well-known/jwks.json gives it)."""
    _service()
    from tpgrade.service.receipts import new_key, public_jwk
    from tpgrade.service.schema import secret

    with reached(database, data) as url:
        private = _in_database(url, lambda db: secret(db, "receipt_key", new_key), "read the key")
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
    try:  # offline: the signature library only, not the service's
        import joserfc  # noqa: F401
    except ImportError:
        raise UsageError("checking a receipt needs joserfc: pip install joserfc") from None
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


@student_errors
def submit(
    day: Annotated[str, typer.Argument(metavar="DAY", help="day1 … day5")],
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Your saved notebook (.ipynb) or .py file.")],
    server: Annotated[
        str | None, typer.Option(metavar="URL", help="The service (default: the one you logged in to).")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(metavar="TOKEN", help="Your token (default: TPGRADE_TOKEN, or tpgrade login's)."),
    ] = None,
    no_check: Annotated[
        bool, typer.Option("--no-check", help="Hand in without the local public check.")
    ] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Do not wait for the grading.")] = False,
) -> None:
    """Hand in your work to the grading service: local check, upload, receipt, then your score."""
    from tpgrade.course.submit import Service, hand_in_file, summary_lines

    if not file.is_file():
        raise InputError(f"{file} introuvable : enregistrez le notebook et donnez son chemin")
    service = Service.reached(server, token)

    shown = {"line": ""}
    live = sys.stderr.isatty()

    def progress(line: str) -> None:
        if line != shown["line"]:  # one line rewritten in a terminal, one line per change otherwise
            sys.stderr.write(f"\r{line:<70}" if live else f"{line}\n")
            sys.stderr.flush()
            shown["line"] = line

    def say(line: str) -> None:
        out.print(line, highlight=False, markup=False, soft_wrap=True)

    found = hand_in_file(day, file, service, say, progress, check=not no_check, wait=not no_wait)
    if live and shown["line"]:
        sys.stderr.write("\n")
    for line in summary_lines(found, service.url):
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    if found["status"] in ("rejected", "system_error"):
        raise typer.Exit(1)


@student_errors
def login(
    server: Annotated[str, typer.Argument(metavar="URL", help="The service's address.")],
    token: Annotated[
        str,
        typer.Option(metavar="TOKEN", prompt="Jeton (la fin de votre lien de connexion)", hide_input=True),
    ],
) -> None:
    """Remember your token for a service (checked with it first), for tpgrade submit."""
    from tpgrade.course.submit import Service, normal, save_login

    token = token.strip().rsplit("/login/", 1)[-1]  # the whole link works too
    days = Service(normal(server), token).days()
    path = save_login(server, token)
    out.print(
        f"Connecté à {normal(server)} ; TP ouverts : {', '.join(days) or 'aucun'} ({path})", highlight=False
    )
