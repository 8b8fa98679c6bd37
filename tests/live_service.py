"""A running service on loopback for the tests that need a real HTTP server (the browser,
``tpgrade submit``): uvicorn in a thread, students imported, a worker's versions published."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from uvicorn_thread import serving

from tpgrade.cluster.jobs import course_queues, init_database, publish_versions
from tpgrade.cluster.private_postgres import free_port
from tpgrade.cohort.postgres_store import PostgresStore
from tpgrade.service.accounts import add_instructor, import_students
from tpgrade.service.web import ServiceConfig, create_app

STUDENTS = [("Alice Martin", "a@x.fr"), ("Bruno Petit", "b@x.fr")]


@dataclass(frozen=True)
class Live:
    address: str
    database: str
    tokens: dict[str, str]  # first name, lower case -> login token; "prof": the instructor's


@contextlib.contextmanager
def running_service(database: str, uploads_per_hour: int = 30, **settings: Any) -> Iterator[Live]:
    init_database(database)
    store = PostgresStore(database)
    try:
        publish_versions(store, "cpu", course_queues("cpu"))
    finally:
        store.close()
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    app = create_app(
        ServiceConfig(database=database, public_url=address, uploads_per_hour=uploads_per_hour, **settings)
    )
    with psycopg.connect(database, autocommit=True) as db, db.transaction():
        issued, _ = import_students(db, STUDENTS)
        instructor = add_instructor(db, "prof@x.fr")
    tokens = {item.account.name.split()[0].lower(): item.token for item in issued}
    tokens["prof"] = instructor.token
    with serving(app, port):
        yield Live(address, database, tokens)
