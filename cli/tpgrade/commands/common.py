"""What every command shares: the consoles, the store option and the user-error wrapper."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from tpgrade.display import shown, shown_markup
from tpgrade.errors import EXIT_INTERRUPTED, InputError, StoreError, TpgradeError, UsageError

if TYPE_CHECKING:
    from tpgrade.cohort.postgres_store import PostgresStore
    from tpgrade.cohort.store import Store

# No ":name:" emoji codes: a student named ":skull:" is printed as such.
out = Console(emoji=False)
err = Console(stderr=True, emoji=False)
F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_RESULTS = Path("tpgrade-results")
StoreOption = Annotated[
    Path, typer.Option("--store", metavar="FILE", help="The results database (SQLite).", dir_okay=False)
]

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        metavar="URL",
        envvar="TPGRADE_DATABASE",
        help="A PostgreSQL database shared by several machines (postgresql://USER:PASSWORD@HOST/DB), "
        "instead of --store; also read from TPGRADE_DATABASE.",
        show_envvar=False,
    ),
]


def open_database(url: str) -> PostgresStore:
    """The shared store, or one line saying why not (and how to get the package it needs)."""
    try:
        from tpgrade.cohort.postgres_store import PostgresStore
    except ImportError:
        raise UsageError("--database needs the cluster extra: pip install 'tpgrade[cluster]'") from None
    return PostgresStore(url)


def no_store(store: Path, day: str) -> str:
    demo = Path("tpgrade-demo") / "tpgrade.sqlite"
    hint = f" (the demo's store is {demo}: add --store {demo})" if demo.is_file() and store != demo else ""
    return f"no results store at {store}: run `tpgrade grade {day} …` first{hint}"


@contextlib.contextmanager
def results_store(
    store: Path, database: str | None, day: str, *, create: bool = False, missing: str | None = None
) -> Iterator[Store]:
    """The store a command uses: the database when one is given, else the SQLite file,
    which must be there already unless ``create`` (``missing`` says what to run first)."""
    from tpgrade.cohort.sqlite_store import SqliteStore

    if database is not None:
        opened: Store = open_database(database)
    elif not create and not store.is_file():
        raise StoreError(missing or no_store(store, day))
    else:
        opened = SqliteStore(store)
    try:
        yield opened
    finally:
        opened.close()


def database_reports_folder(url: str, day: str) -> Path:
    """Where a database's reports go by default: ``tpgrade-results/reports_DBNAME/DAY``."""
    from psycopg import conninfo

    name = conninfo.conninfo_to_dict(url).get("dbname") or "database"
    return DEFAULT_RESULTS / f"reports_{''.join(c if c.isalnum() else '_' for c in str(name))}" / day


def store_place(store: Path, database: str | None) -> str:
    """Where results are kept, for a message: the database (password hidden) or the file."""
    if database is None:
        return shown(store)
    from tpgrade.cohort.postgres_store import shown_url

    return shown(shown_url(database))


def _lines(message: object) -> str:
    """A multi-line message escaped line by line, its later lines indented so that no
    text inside it can pass for a line of its own."""
    first, *rest = str(message).split("\n")
    return "\n".join([shown_markup(first), *(f"  {shown_markup(line.lstrip())}" for line in rest)])


@dataclass(frozen=True)
class _Words:
    error: str
    cannot_use: str
    colon: str  # French puts a space before it
    interrupted: str


_INSTRUCTOR = _Words("Error:", "cannot use", ":", "Interrupted; results graded so far are kept in the store.")
_STUDENT = _Words("Erreur :", "impossible d'utiliser", " :", "Interrompu.")


def _wrapped(command: F, words: _Words) -> F:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TpgradeError as exc:
            err.print(
                f"[bold red]{words.error}[/] {_lines(exc)}", highlight=False, markup=True, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            problem = shown_markup(f"{words.cannot_use}{where}{words.colon} {exc.strerror or exc}")
            err.print(f"[bold red]{words.error}[/] {problem}", highlight=False, soft_wrap=True)
            raise typer.Exit(InputError.exit_code) from None
        except KeyboardInterrupt:
            err.print(words.interrupted)
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


def user_errors(command: F) -> F:
    """Print user errors (one line; a message of several lines indented after the first)
    and exit with their code; never a traceback."""
    return _wrapped(command, _INSTRUCTOR)


def student_errors(command: F) -> F:
    """:func:`user_errors` for the commands students run, in French."""
    return _wrapped(command, _STUDENT)
