"""``tpgrade db`` and ``tpgrade worker``: the shared database and the grading nodes."""

from __future__ import annotations

from typing import Annotated

import typer

from tpgrade.commands.common import err, out, user_errors
from tpgrade.errors import UsageError

db_app = typer.Typer(
    rich_markup_mode=None,
    help="The PostgreSQL database that stores results and queues jobs for several machines.",
    no_args_is_help=True,
)
Url = Annotated[
    str,
    typer.Option(
        "--database",
        metavar="URL",
        envvar="TPGRADE_DATABASE",
        help="postgresql://USER:PASSWORD@HOST:PORT/DB (or TPGRADE_DATABASE).",
        show_envvar=False,
    ),
]


def _cluster() -> None:
    """Say how to install what the queue needs, instead of an import error."""
    try:
        import procrastinate  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError:
        raise UsageError("this command needs the cluster extra: pip install 'tpgrade[cluster]'") from None


@db_app.command("init")
@user_errors
def db_init(database: Url) -> None:
    """Create the results store and the job queue in the database (safe to run again)."""
    _cluster()
    from tpgrade.cluster.jobs import init_database
    from tpgrade.cohort.postgres_store import shown_url

    created = init_database(database)
    where = shown_url(database)
    out.print(f"{where}: created {' and '.join(created)}." if created else f"{where}: ready already.")


@db_app.command("status")
@user_errors
def db_status(
    database: Url,
    stalled_after: Annotated[
        float, typer.Option(metavar="SECONDS", help="A worker silent this long is counted dead.")
    ] = 15.0,
) -> None:
    """Jobs per state and per queue, and the workers with the age of their last heartbeat."""
    _cluster()
    from tpgrade.cluster.jobs import queue_state
    from tpgrade.commands.common import open_database

    store = open_database(database)
    try:
        state = store.atomically(queue_state, "read the queue")
    finally:
        store.close()
    states = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")
    out.print(
        f"{store.location}: " + ", ".join(f"{state.jobs.get(s, 0)} {s}" for s in states), highlight=False
    )
    for queue, counts in sorted(state.queues.items()):
        waiting, running = counts.get("todo", 0), counts.get("doing", 0)
        out.print(f"  queue {queue}: {waiting} waiting, {running} running", highlight=False)
    alive = state.alive(stalled_after)
    out.print(f"workers: {alive} alive, {len(state.workers) - alive} silent", highlight=False)
    for worker, age in state.workers:
        mark = "alive" if age <= stalled_after else "silent"
        out.print(f"  worker {worker}: last heartbeat {age:.1f} s ago ({mark})", highlight=False)


@user_errors
def worker(
    database: Url,
    processes: Annotated[
        int, typer.Option(metavar="N", min=1, max=16, help="Grading processes, one job at a time each.")
    ] = 1,
    queue: Annotated[
        str | None,
        typer.Option(metavar="KIND", help="cpu or gpu (default: gpu for --device cuda, else cpu)."),
    ] = None,
    sandbox: Annotated[
        str, typer.Option("--sandbox", metavar="BACKEND", help="auto, process (bubblewrap) or docker.")
    ] = "auto",
    device: Annotated[str, typer.Option(metavar="DEVICE", help="cpu or cuda.")] = "cpu",
    image: Annotated[
        str | None, typer.Option(metavar="TAG", help="Grading image of the docker sandbox.")
    ] = None,
    heartbeat: Annotated[
        float,
        typer.Option(
            metavar="SECONDS",
            min=0.5,
            help="Seconds between heartbeats; a worker silent three times as long has its jobs retried.",
        ),
    ] = 5.0,
) -> None:
    """Take grading jobs from the queue until stopped (Ctrl-C or SIGTERM: the jobs under way
    are finished first). Each process keeps its sandbox warm for its whole life."""
    _cluster()
    from tpgrade.cluster.jobs import KINDS
    from tpgrade.cluster.worker import WorkerSpec, serve

    if device not in KINDS:
        raise UsageError(f"unknown device {device!r}: choose cpu or cuda")
    kind = queue or KINDS[device]
    if kind not in ("cpu", "gpu"):
        raise UsageError(f"unknown queue {kind!r}: choose cpu or gpu")
    if (kind == "gpu") != (device == "cuda"):
        raise UsageError("the gpu queue is for --device cuda, the cpu queue for --device cpu")
    if sandbox == "none":
        raise UsageError("a worker grades hidden graders: choose --sandbox auto, process or docker")
    spec = WorkerSpec(database, processes, kind, sandbox, device, image, heartbeat=heartbeat)
    code = serve(spec, lambda line: err.print(line, highlight=False, markup=False, soft_wrap=True))
    raise typer.Exit(code)
