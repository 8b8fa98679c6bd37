"""Live pages: one poll of the database for every watched hand-in, shared by all who wait.

Each open submission page (and each ``tpgrade submit`` waiting on the API)
holds a Server-Sent Events stream. Rather than each stream asking the
database, one task polls all the watched ids together every ``interval``
seconds (a few queries, whatever the number of watchers) and wakes the
streams whose hand-in changed. The task runs only while someone watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from functools import partial

from starlette.concurrency import run_in_threadpool

from tpgrade.service.status import HandIn

log = logging.getLogger("tpgrade.service")

FINAL = ("graded", "rejected", "system_error")
Poll = Callable[[list[str]], dict[str, HandIn]]


def _shown(item: HandIn) -> tuple[object, ...]:
    """What a watcher sees of a hand-in: a change in it is news."""
    estimate = None if item.estimate_s is None else round(item.estimate_s)
    return (item.state, item.position, estimate, item.superseded)


class Watcher:
    """Streams of changes of watched hand-ins, fed by one shared poll."""

    def __init__(self, poll: Poll, interval: float = 0.5) -> None:
        self._poll = poll
        self._interval = interval
        self._watched: Counter[str] = Counter()
        self._latest: dict[str, HandIn] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    def _bind(self) -> None:
        """Tie the poll to the running loop (a test may run the app in several loops in turn)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._changed, self._task = loop, asyncio.Condition(), None

    async def changes(self, first: HandIn, lasting: float) -> AsyncIterator[HandIn]:
        """``first``, then each changed view of it, until it is final or ``lasting`` seconds pass."""
        self._bind()
        ident = first.id
        self._watched[ident] += 1
        self._latest.setdefault(ident, first)
        self._start()
        loop = asyncio.get_running_loop()
        until = loop.time() + lasting
        try:
            last = first
            yield first
            while last.state not in FINAL:
                left = until - loop.time()
                if left <= 0:
                    return
                seen = _shown(last)
                async with self._changed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            self._changed.wait_for(partial(self._differs, ident, seen)), left
                        )
                if _shown(self._latest[ident]) != seen:
                    last = self._latest[ident]
                    yield last
        finally:
            self._watched[ident] -= 1
            if self._watched[ident] <= 0:
                del self._watched[ident]
                self._latest.pop(ident, None)

    def _differs(self, ident: str, seen: tuple[object, ...]) -> bool:
        return _shown(self._latest[ident]) != seen

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._watched:
            await asyncio.sleep(self._interval)
            ids = list(self._watched)
            try:
                found = await run_in_threadpool(self._poll, ids)
            except Exception:  # the database may be away a moment: the streams wait, the next poll retries
                log.warning("live poll failed; retrying", exc_info=True)
                continue
            async with self._changed:
                for ident, item in found.items():
                    if ident in self._watched:
                        self._latest[ident] = item
                self._changed.notify_all()
