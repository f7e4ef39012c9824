"""The inboxes counted for `hookd status`, without waiting on a filesystem that does not answer.

Each inbox is listed in a thread (a hundred thousand files take a tenth of a second). A listing
that does not return (the spare inbox on a network mount that hung) must not hold the answer: the
status would never come, and `hookd status` would say it cannot tell, while the stall it could name
goes on. Nor may each request start another listing behind it: every one would hold a thread of the
loop's executor for good, the one the spool's fsync runs in too. So an inbox is listed by one
thread at a time, the requests that come meanwhile share it, and each waits for it at most
``WAIT_S``; past that the inbox is reported as not answering, with how long it has not. The thread
is not the executor's: hookd's exit does not wait for it (unjoined.py).
"""

from __future__ import annotations

import asyncio
import functools
import time
from typing import Any

from hookd.control.snapshot import inbox_count
from hookd.ingest.inbox_files import NOT_ANSWERING
from hookd.unjoined import off_loop

WAIT_S = 1.0


class InboxCounter:
    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self.running: dict[str, tuple[asyncio.Future[dict[str, Any]], float]] = {}
        self.last: dict[str, dict[str, Any]] = {}  # each inbox's last listing that returned

    def _listing(self, path: str) -> tuple[asyncio.Future[dict[str, Any]], float]:
        """The listing of ``path`` under way, started if none is; its count kept in ``last`` once it returns."""
        if path not in self.running:
            listing = asyncio.ensure_future(off_loop(functools.partial(inbox_count, path)))
            self.running[path] = (listing, time.monotonic())

            def settled(done: asyncio.Future[dict[str, Any]]) -> None:
                if self.running.get(path, (None, 0.0))[0] is done:
                    del self.running[path]
                if not done.cancelled() and done.exception() is None:
                    self.last[path] = done.result()

            listing.add_done_callback(settled)
        return self.running[path]

    def counted_now(self, path: str, hung_after_s: float) -> dict[str, Any] | None:
        """inbox_count of ``path`` without waiting (for the stall check, on the loop): the last listing's,
        a new one started meanwhile; None before any returned; not answering once one has waited past
        ``hung_after_s``."""
        _, since = self._listing(path)
        if (waited := time.monotonic() - since) > hung_after_s:
            return {"events": 0, "error": f"cannot read {path} (waited {waited:.1f}s): {NOT_ANSWERING}"}
        return self.last.get(path)

    async def counts(self) -> dict[str, dict[str, Any]]:
        """inbox_count of each inbox, by path; one whose listing has not returned within WAIT_S is
        {"events": 0, "error": "cannot read <path> (...): its filesystem does not answer"}."""
        mine = {}  # what this request waits on: another may settle and drop a listing meanwhile
        for path in self.paths:
            mine[path] = self._listing(path)
        await asyncio.wait([future for future, _ in mine.values()], timeout=WAIT_S)
        counted = {}
        for path, (future, since) in mine.items():
            if future.done():
                if self.running.get(path, (None, 0.0))[0] is future:
                    del self.running[path]
                counted[path] = future.result()
            else:
                waited = time.monotonic() - since
                counted[path] = {"events": 0, "error": f"cannot read {path} (waited {waited:.1f}s): {NOT_ANSWERING}"}
        return counted
