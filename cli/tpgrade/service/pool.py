"""Stores shared by the web process's threads: one connection each, lent one at a time."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator

from tpgrade.cohort.postgres_store import PostgresStore


class StorePool:
    def __init__(self, url: str, patience: float = 60.0) -> None:
        self.url = url
        self.patience = patience
        self._idle: queue.SimpleQueue[PostgresStore] = queue.SimpleQueue()
        self._all: list[PostgresStore] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def borrow(self) -> Iterator[PostgresStore]:
        try:
            store = self._idle.get_nowait()
        except queue.Empty:
            store = PostgresStore(self.url, self.patience)
            with self._lock:
                self._all.append(store)
        try:
            yield store
        finally:
            self._idle.put(store)

    def close(self) -> None:
        with self._lock:
            for store in self._all:
                store.close()
            self._all.clear()
