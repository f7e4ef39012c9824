"""The sockets hookd bound, looked at off the event loop.

Whether a socket's file is still the one hookd bound is an lstat of its path (sockets.py binds a
removed one again; status says one replaced, parts.socket_problems). Made on the loop, every second
and for each status, an lstat on a directory whose mount stopped answering (a runtime directory on
a network home that hung) froze the daemon: no status, no event served, SIGTERM not served. Each
look is made in a thread hookd's exit does not wait for (unjoined.py), one at a time per socket (the
asks while one hangs share it), waited for at most WAIT_S; status is given the last look's answer,
and, past stall_after_s, a look that has not returned is a stall naming the mount.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time

from hookd.mounts import not_answering_at
from hookd.unjoined import off_loop

WAIT_S = 1.0

GONE = 0  # the inode a look gives for a path that holds no file


class SocketLooks:
    def __init__(self, bound: dict[str, int]) -> None:
        """``bound``: the sockets hookd bound, path -> inode (the daemon's own dict, which a bind again changes)."""
        self.bound = bound
        self.looks: dict[str, tuple[asyncio.Future[int | None], float]] = {}  # path -> the look under way, since
        self.found: dict[str, int | None] = dict(
            bound
        )  # path -> the inode its last look found (GONE: no file; None: not known)

    async def look(self) -> dict[str, int | None]:
        """Each bound socket's inode as a look now finds it (GONE: no file there; None: not known, the
        lstat failed or has not returned within WAIT_S)."""
        mine = {}
        for path in list(self.bound):
            if path not in self.looks:
                call = functools.partial(_inode, path)
                self.looks[path] = (asyncio.ensure_future(off_loop(call, "hookd-socket-look")), time.monotonic())
            mine[path] = self.looks[path]
        if mine:
            await asyncio.wait([looking for looking, _ in mine.values()], timeout=WAIT_S)
        for path, (looking, _) in mine.items():
            if looking.done():
                if self.looks.get(path, (None, 0.0))[0] is looking:
                    del self.looks[path]
                self.found[path] = None if looking.cancelled() else looking.result()
        return {path: self.found.get(path) if not self.looks.get(path) else None for path in mine}

    def bound_again(self, path: str, inode: int) -> None:
        """``path`` bound afresh (sockets.py): it is that socket's file, until a look says otherwise."""
        self.found[path] = inode

    def replaced(self) -> list[str]:
        """The bound sockets whose file the last look found gone or another's."""
        return [path for path, inode in self.bound.items() if self.found.get(path) not in (None, inode)]

    def stalled(self, after_s: float, now: float) -> list[str]:
        """A reason for each look that has waited past ``after_s``."""
        return [
            f"the check of the socket {path} has waited {now - since:.1f}s: {not_answering_at(path)}; hook-send's "
            "connections there wait on it too, and keep their events in the inbox; check that mount"
            for path, (future, since) in self.looks.items()
            if not future.done() and now - since > after_s
        ]

    def cancel(self) -> None:
        for future, _ in self.looks.values():
            future.cancel()  # its thread is left to the mount (unjoined.py)


def _inode(path: str) -> int | None:
    try:
        return os.lstat(path).st_ino
    except (FileNotFoundError, NotADirectoryError):
        return GONE
    except OSError:
        return None  # not known: neither said gone nor bound again
