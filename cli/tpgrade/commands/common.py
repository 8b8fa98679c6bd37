"""What every command shares: the consoles, the store option and the user-error wrapper."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from tpgrade.display import shown_markup
from tpgrade.errors import EXIT_INTERRUPTED, InputError, TpgradeError

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
