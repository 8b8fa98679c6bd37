"""A PostgreSQL server of the tests' own, on loopback, started from Debian's binaries.

PostgreSQL refuses to run as root, so when the tests run as root the server
runs as the ``postgres`` user, on a data folder under pytest's temporary
folder (whose parents are made traversable for that user). Each test asks
for a fresh database of its own.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest

PASSWORD = "tpgrade-test"


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One server; ``database()`` gives a new empty database's URL."""

    def __init__(self, root: Path, host: str = "127.0.0.1", inside: Sequence[str] = ()) -> None:
        binaries = _binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.bin = binaries
        self.host = host
        self.inside = list(inside)  # a prefix that runs it on another host (a network namespace)
        self.port = _free_port()
        self.root = root
        self.data = root / "data"
        self.user = "postgres" if os.geteuid() == 0 else None
        root.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            for folder in (root, *root.parents):
                if folder == Path("/"):
                    break
                folder.chmod(folder.stat().st_mode | 0o011)  # traversable, not readable
            os.chown(root, entry.pw_uid, entry.pw_gid)
        secret = root / "password.txt"
        secret.write_text(PASSWORD)
        if self.user is not None:
            os.chown(secret, entry.pw_uid, entry.pw_gid)
        initdb = [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-E", "UTF8"]
        self._as_owner([*initdb, "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={secret}"])
        if host != "127.0.0.1":  # clients come from the other hosts' networks
            with (self.data / "pg_hba.conf").open("a") as rules:
                rules.write("host all all 0.0.0.0/0 scram-sha-256\n")
        self.start()

    def _as_owner(self, command: Sequence[str]) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*self.inside, *prefix, *command], check=True, capture_output=True, timeout=120)

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str, password: str = PASSWORD) -> str:
        return f"postgresql://postgres:{password}@{self.host}:{self.port}/{database}"

    def start(self) -> None:
        options = f"-c listen_addresses={self.host} -p {self.port} -k {self.root} -c fsync=off"
        log = self.root / "server.log"
        self._as_owner(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start"]
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

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
    except (RuntimeError, OSError, subprocess.CalledProcessError, KeyError) as exc:
        if os.environ.get("TPGRADE_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"no PostgreSQL server here ({exc}); CI sets TPGRADE_REQUIRE_POSTGRES=1")


def stop_quietly(server: PostgresServer) -> None:
    with contextlib.suppress(Exception):
        server.stop("immediate")
