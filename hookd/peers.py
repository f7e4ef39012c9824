"""Who may talk to the daemon: the uid at the other end of each accepted Unix connection.

The event and control sockets are 0600 in a 0700 directory, so the kernel
already keeps other users out; the peer check holds when that is undone (a
socket passed by a service manager with a looser mode, a directory someone
chmod-ed, a path configured into a shared place). Allowed: our own uid, and
root, who can read hookd's files anyway (documented in docs/security.md).
Everyone else is closed on without a byte read or written, counted per socket
in `hookd status` (``refused_peers``), and logged at most once per interval per
socket with the count since the last line, since any local user can send them.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import structlog

from hookd_client.hook_send import peer_uid

log = structlog.get_logger("hookd.peers")

ROOT = 0


def allowed_uids() -> frozenset[int]:
    return frozenset({os.getuid(), ROOT})


class Throttle:
    """``burst`` log lines per key per interval (one by default); the occurrences in between
    are counted, not written, and the next line says how many it stands for."""

    def __init__(self, interval_s: float = 10.0, clock: Callable[[], float] = time.monotonic, burst: int = 1) -> None:
        self.interval_s = interval_s
        self.clock = clock
        self.burst = burst
        self._last: dict[Any, float] = {}  # when the key's interval began
        self._lines: Counter[Any] = Counter()  # lines written in it
        self._held: Counter[Any] = Counter()

    def ready(self, key: Any) -> int | None:
        """None to stay quiet; else how many occurrences (this one included) the line stands for."""
        now = self.clock()
        self._held[key] += 1
        last = self._last.get(key)
        if last is None or now - last >= self.interval_s:
            self._last[key] = now
            self._lines[key] = 0
        elif self._lines[key] >= self.burst:
            return None
        self._lines[key] += 1
        return self._held.pop(key)


class PeerGuard:
    """Checks the peer of each accepted connection; counts and logs those refused."""

    def __init__(self, refused: Counter[str], throttle: Throttle | None = None) -> None:
        self.refused = refused  # DaemonState.refused_peers: socket role -> count
        self.allowed = allowed_uids()
        self.throttle = throttle or Throttle()

    def admit(self, sock: Any, role: str) -> bool:
        """True if the peer on ``sock`` (a connected Unix socket) may use the ``role`` socket."""
        try:
            uid = peer_uid(sock)
        except OSError:
            uid = None
        if uid in self.allowed:
            return True
        self.refused[role] += 1
        count = self.throttle.ready(role)
        if count is not None:
            log.warning(
                "peer_refused",
                socket=role,
                peer_uid=uid,
                refused=count,
                refused_total=self.refused[role],
                hint="a process of another user connected; its connection was closed "
                "unread. Check the socket's mode and directory (0600 in 0700)",
            )
        return False
