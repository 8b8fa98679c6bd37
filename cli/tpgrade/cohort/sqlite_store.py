"""The embedded results store: one SQLite file, the default of every command."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tpgrade.cohort.store import SCHEMA, SCHEMA_VERSION, Statement, Store
from tpgrade.errors import StoreError


class SqliteStore(Store):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            for statement in SCHEMA:
                self._db.execute(statement)
            found = self._db.execute("SELECT value FROM tpgrade_meta WHERE key='schema'").fetchone()
            if found is None:  # a new store, or one from before the version was kept (schema 1)
                self._db.execute("INSERT INTO tpgrade_meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the results store {path}: {exc}") from None
        try:
            self._check_version(None if found is None else str(found[0]))
        except StoreError:
            self._db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def _write(self, statements: list[Statement]) -> list[int]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            changed = [self._db.execute(sql, params).rowcount for sql, params in statements]
            self._db.execute("COMMIT")
            return changed
        except sqlite3.Error as exc:
            self._roll_back()
            raise StoreError(f"cannot write to the results store {self.path}: {exc}") from None
        except BaseException:
            self._roll_back()
            raise

    def _roll_back(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the results store {self.path}: {exc}") from None
