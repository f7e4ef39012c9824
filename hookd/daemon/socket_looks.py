"""The sockets hookd bound, looked at off the event loop.

Whether a socket's file is still the one hookd bound is an lstat of its path (sockets.py binds a
removed one again; status says one replaced, parts.socket_problems). Made on the loop, every second
and for each status, an lstat on a directory whose mount stopped answering (a runtime directory on
a network home that hung) froze the daemon: no status, no event served, SIGTERM not served. The
looks are made by one daemon thread, started with the daemon and handed paths, one look at a time
per socket (the asks while one is under way share it), each waited for at most WAIT_S; status is
given the last look's answer, and, past stall_after_s, a look that has not returned is a stall
naming the mount. The stop ends the thread and joins it, waiting no longer than its deadline allows:
a thread held by a mount is left to it (unjoined.py), said by ``socket_look_left_hung``.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import queue
import threading
import time

import structlog

from hookd.mounts import not_answering_at
from hookd.unjoined import settle

log = structlog.get_logger("hookd.daemon")

WAIT_S = 1.0

GONE = 0  # the inode a look gives for a path that holds no file

_Ask = tuple[str, "asyncio.Future[int | None]"] | None  # None: end


class SocketLooks:
    def __init__(self, bound: dict[str, int]) -> None:
        """``bound``: the sockets hookd bound, path -> inode (the daemon's own dict, which a bind again changes).
        Made on the event loop, whose futures the look thread settles."""
        self.bound = bound
        self.looks: dict[str, asyncio.Future[int | None]] = {}  # path -> the look asked for and not returned
        self.found: dict[str, int | None] = dict(
            bound
        )  # path -> the inode its last look found (GONE: no file; None: not known)
        self.under_way: tuple[str, float] | None = None  # the path the thread is looking at, since (monotonic)
        self.closed = False
        self._loop = asyncio.get_running_loop()
        self._asks: queue.SimpleQueue[_Ask] = queue.SimpleQueue()
        self._ended: asyncio.Future[None] = self._loop.create_future()
        # Its lines go where the loop's context routes them (logs.routed_to).
        self._thread = threading.Thread(
            target=contextvars.copy_context().run, args=(self._serve,), name="hookd-socket-look", daemon=True
        )
        self._thread.start()

    async def look(self) -> dict[str, int | None]:
        """Each bound socket's inode as a look now finds it (GONE: no file there; None: not known, the
        lstat failed or has not returned within WAIT_S). Once closed, the last looks' answers."""
        mine, paths = {}, list(self.bound)
        for path in paths:
            if path not in self.looks and not self.closed:
                self.looks[path] = self._loop.create_future()
                self._asks.put((path, self.looks[path]))
            if path in self.looks:
                mine[path] = self.looks[path]
        if mine:
            await asyncio.wait(mine.values(), timeout=WAIT_S)
        for path, looking in mine.items():
            if looking.done():
                if self.looks.get(path) is looking:
                    del self.looks[path]
                self.found[path] = None if looking.cancelled() else looking.result()
        return {path: None if path in self.looks else self.found.get(path) for path in paths}

    def bound_again(self, path: str, inode: int) -> None:
        """``path`` bound afresh (sockets.py): it is that socket's file, until a look says otherwise."""
        self.found[path] = inode

    def replaced(self) -> list[str]:
        """The bound sockets whose file the last look found gone or another's."""
        return [path for path, inode in self.bound.items() if self.found.get(path) not in (None, inode)]

    def stalled(self, after_s: float, now: float) -> list[str]:
        """A reason when the look under way has waited past ``after_s`` (those asked after it wait on it)."""
        under_way = self.under_way
        if under_way is None or now - under_way[1] <= after_s:
            return []
        path, since = under_way
        return [
            f"the check of the socket {path} has waited {now - since:.1f}s: {not_answering_at(path)}; hook-send's "
            "connections there wait on it too, and keep their events in the inbox; check that mount"
        ]

    def close(self) -> None:
        """No look asked from here; the thread ends once the look under way returns (at once if none is)."""
        if self.closed:
            return
        self.closed = True
        for future in self.looks.values():
            future.cancel()
        self._asks.put(None)

    def close_now(self) -> None:
        """Closed, and the thread joined unless a look holds it (a start that failed: none was asked)."""
        self.close()
        if self.under_way is None:
            self._thread.join(WAIT_S)

    async def ended(self, deadline: float) -> None:
        """The thread ended and joined, waited for while a look under way is younger than WAIT_S and
        ``deadline`` (monotonic) is not past; else left to the mount that holds it, and said."""
        self.close()
        under_way, now = self.under_way, time.monotonic()
        held = under_way is not None and now - under_way[1] > WAIT_S
        wait_s = 0.0 if held else max(0.0, min(WAIT_S, deadline - now))
        if not (await asyncio.wait({self._ended}, timeout=wait_s))[0]:
            under_way = self.under_way
            log.error(
                "socket_look_left_hung",
                socket=None if under_way is None else under_way[0],
                waited_s=None if under_way is None else round(time.monotonic() - under_way[1], 1),
                hint="its thread is left behind (until the mount answers, the kernel may keep the process)"
                + ("" if under_way is None else f": {not_answering_at(under_way[0])}; check that mount"),
            )
            return
        self._thread.join(WAIT_S)  # it has said it ends: nothing is left for it to do

    def _serve(self) -> None:
        try:
            while (ask := self._asks.get()) is not None:
                path, future = ask
                self.under_way = (path, time.monotonic())
                outcome: tuple[int | None, BaseException | None]
                try:
                    outcome = (_inode(path), None)
                except BaseException as exc:  # handed to the awaiting task, as asyncio.to_thread does
                    outcome = (None, exc)
                self.under_way = None
                self._loop.call_soon_threadsafe(settle, future, *outcome)
            self._loop.call_soon_threadsafe(settle, self._ended, None, None)
        except RuntimeError:  # the loop closed while a look hung: no one waits for it
            pass


def _inode(path: str) -> int | None:
    try:
        return os.lstat(path).st_ino
    except (FileNotFoundError, NotADirectoryError):
        return GONE
    except OSError:
        return None  # not known: neither said gone nor bound again
