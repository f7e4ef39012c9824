"""The socket files hookd bound, bound again when they are removed while it runs.

tmpfiles cleaning /tmp, a logout emptying XDG_RUNTIME_DIR, an ``rm``: the listening socket
lives on, but nothing can reach it by its path, and every hook-send falls back to the inbox.
Every SOCKET_CHECK_S a file that is gone is bound afresh at its path (its directory made
again, private, if it went too) and served by a new server; the old server, which nobody
can reach, stops listening, and its connections finish. A path that holds another file is
not touched: someone put it there (status says so, see DaemonParts.socket_problems).
Sockets the service manager passed are its own, and not watched.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog

from hookd.daemon.parts import DaemonParts
from hookd.daemon.socket_looks import GONE
from hookd.ingest.socket_files import AlreadyRunning, bind_private_socket
from hookd.paths import UnsafePathError

log = structlog.get_logger("hookd")

SOCKET_CHECK_S = 1.0


class DaemonSockets(DaemonParts):
    """Daemon.keep_sockets(): the watch, run as a supervised task; the start's binds, removed at its stop."""

    def _bind(self, stack: contextlib.AsyncExitStack, path: str) -> Any:
        sock, self.socket_inodes[path] = bind_private_socket(path)
        stack.push_async_callback(self._remove_socket_if_bound, path)
        return sock

    async def keep_sockets(self) -> None:
        failed: dict[str, str] = {}  # path -> the last failure logged, so each is said once
        while True:
            await asyncio.sleep(SOCKET_CHECK_S)
            # Looked at off the loop (socket_looks.py); one not known (a look that has not returned) is left.
            for path, inode in (await self.socket_looks.look()).items():
                if inode != GONE:
                    if inode is not None:
                        failed.pop(path, None)
                    continue
                try:
                    await self._rebind(path)
                except (OSError, UnsafePathError, AlreadyRunning) as exc:
                    if failed.get(path) != str(exc):
                        failed[path] = str(exc)
                        log.error(
                            "socket_rebind_failed",
                            socket=path,
                            error=str(exc),
                            hint="hook-send keeps events in the inbox meanwhile; hookd tries again every second",
                        )
                    continue
                failed.pop(path, None)

    async def _rebind(self, path: str) -> None:
        sock, inode = bind_private_socket(path)
        try:
            if path == self.config.socket:
                old = self.server
                self.server = await asyncio.get_running_loop().create_unix_server(
                    self.event_protocol, sock=sock, backlog=self.config.listen_backlog
                )
                old.close()  # nobody can reach it any more; its connections finish on their own
            else:
                await self.control.rebind(sock)
        except BaseException:
            sock.close()
            raise
        self.socket_inodes[path] = inode
        self.socket_looks.bound_again(path, inode)
        log.warning(
            "socket_rebound",
            socket=path,
            hint="its file was removed while hookd ran (a cleaner of /tmp or of XDG_RUNTIME_DIR?); bound again",
        )
