"""A PostgreSQL server of tpgrade's own, under a data folder, from the binaries on the machine.

``tpgrade serve`` without ``--database`` runs one: it is created the first
time (``initdb``, a random password kept in the folder, readable by its
owner only), started on loopback on the port it had before, and stopped when
the service stops. PostgreSQL refuses to run as root, so when tpgrade runs as
root the server runs as the ``postgres`` user, which then owns the data
folder (and the folders above it are made traversable, not readable, for that
user). The tests' own servers are made the same way.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tpgrade.errors import StoreError

INSTALL = "install PostgreSQL's server (Debian: apt-get install postgresql) or give --database URL"


def binaries() -> Path | None:
    """The folder of ``pg_ctl`` and ``initdb``: Debian's newest version, else the PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class PostgresCluster:
    """One server on ``root/data``; ``url(name)`` reaches one of its databases."""

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        inside: Sequence[str] = (),
        durable: bool = True,
        password: str | None = None,
    ) -> None:
        found = binaries()
        if found is None:
            raise StoreError(f"no PostgreSQL server binaries on this machine: {INSTALL}")
        self.bin = found
        self.host = host
        self.inside = list(inside)  # a prefix that runs it on another host (a network namespace)
        self.root = root.resolve()
        self.data = self.root / "data"
        self.durable = durable  # fsync off for throw-away test servers
        self.user = "postgres" if os.geteuid() == 0 else None
        settings = self.root / "server.json"
        if settings.is_file():
            try:
                saved = json.loads(settings.read_text(encoding="utf-8"))
                self.port, self.password = int(saved["port"]), str(saved["password"])
            except (ValueError, KeyError, TypeError):
                raise StoreError(
                    f"{settings} is damaged: it should hold the server's port and password"
                ) from None
        else:
            self.port, self.password = free_port(), password or secrets.token_urlsafe(18)
        if not (self.data / "PG_VERSION").is_file():
            self._create(settings)

    def _create(self, settings: Path) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        owner = pwd.getpwnam(self.user) if self.user else None
        if owner is not None:
            for folder in (self.root, *self.root.parents):
                if folder == Path("/"):
                    break
                folder.chmod(folder.stat().st_mode | 0o011)  # traversable, not readable
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        secret = self.root / "password.txt"
        secret.write_text(self.password)
        secret.chmod(0o600)
        if owner is not None:
            os.chown(secret, owner.pw_uid, owner.pw_gid)
        try:
            initdb = [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-E", "UTF8"]
            self._as_owner([*initdb, "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={secret}"])
        finally:
            secret.unlink()
        if self.host != "127.0.0.1":  # clients come from the other hosts' networks
            with (self.data / "pg_hba.conf").open("a") as rules:
                rules.write("host all all 0.0.0.0/0 scram-sha-256\n")
        settings.write_text(json.dumps({"port": self.port, "password": self.password}), encoding="utf-8")
        settings.chmod(0o600)

    def _as_owner(self, command: Sequence[str]) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        try:
            subprocess.run([*self.inside, *prefix, *command], check=True, capture_output=True, timeout=120)
        except subprocess.CalledProcessError as exc:
            said = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
            raise StoreError(
                f"PostgreSQL's {Path(command[0]).name} failed: {said[-1] if said else exc}"
            ) from None

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        return f"postgresql://postgres:{password or self.password}@{self.host}:{self.port}/{database}"

    def running(self) -> bool:
        status = [*self.inside, *(["runuser", "-u", self.user, "--"] if self.user else [])]
        status += [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]
        return subprocess.run(status, capture_output=True, timeout=60).returncode == 0

    def start(self) -> None:
        options = f"-c listen_addresses={self.host} -p {self.port} -k {self.root}"
        if not self.durable:
            options += " -c fsync=off"
        log = self.root / "server.log"
        self._as_owner(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start"]
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def ensure_database(self, name: str) -> str:
        """The URL of database ``name``, created if missing."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as db:
            found = db.execute(b"SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if found is None:
                db.execute(f'CREATE DATABASE "{name}"'.encode())
        return self.url(name)
