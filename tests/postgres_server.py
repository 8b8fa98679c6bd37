"""A PostgreSQL server of the tests' own, on loopback: the private cluster ``tpgrade serve``
runs (:mod:`tpgrade.cluster.private_postgres`), without fsync, under pytest's temporary
folder. Each test asks for a fresh database of its own.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest

from tpgrade.cluster.private_postgres import PostgresCluster
from tpgrade.cluster.private_postgres import free_port as _free_port
from tpgrade.errors import StoreError

__all__ = ["PostgresServer", "_free_port", "server_or_skip", "stop_quietly"]

PASSWORD = "tpgrade-test"


class PostgresServer(PostgresCluster):
    """One started server (fsync off); ``database()`` gives a new empty database's URL."""

    def __init__(self, root: Path, host: str = "127.0.0.1", inside: Sequence[str] = ()) -> None:
        super().__init__(root, host, inside, durable=False, password=PASSWORD)
        self.start()

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def restart(self) -> None:
        self.stop("immediate")
        self.start()

    def database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}".encode())
        return self.url(name)


def server_or_skip(root: Path) -> PostgresServer:
    """A server, skipped where PostgreSQL is missing unless CI requires it."""
    try:
        return PostgresServer(root)
    except (StoreError, OSError, subprocess.CalledProcessError, KeyError) as exc:
        if os.environ.get("TPGRADE_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"no PostgreSQL server here ({exc}); CI sets TPGRADE_REQUIRE_POSTGRES=1")


def stop_quietly(server: PostgresServer) -> None:
    with contextlib.suppress(Exception):
        server.stop("immediate")
