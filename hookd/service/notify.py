"""sd_notify: telling systemd that hookd is ready, how it is doing, that it is alive, that it stops.

The protocol is one datagram per message to the AF_UNIX socket named by
NOTIFY_SOCKET (a leading ``@`` means the abstract namespace). The socket is
non-blocking: a message the manager cannot queue is dropped, never waited
for. Under no service manager there is no NOTIFY_SOCKET and every call does
nothing.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable, MutableMapping

import structlog

log = structlog.get_logger("hookd.service")

STATUS_EVERY_S = 5.0


class Notifier:
    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        self.address = address
        self.watchdog_usec = watchdog_usec
        self.sock: socket.socket | None = None
        self.last_status: str | None = None
        if address:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self.sock.setblocking(False)

    @classmethod
    def from_environ(cls, environ: MutableMapping[str, str] | None = None) -> Notifier:
        """Take NOTIFY_SOCKET and the watchdog variables, removing them so no child inherits them.

        WATCHDOG_USEC counts only when WATCHDOG_PID is absent or ours, as in
        sd_watchdog_enabled(3).
        """
        environ = os.environ if environ is None else environ
        address = environ.pop("NOTIFY_SOCKET", None) or None
        usec = environ.pop("WATCHDOG_USEC", "")
        pid = environ.pop("WATCHDOG_PID", "")
        watchdog = int(usec) if usec.isascii() and usec.isdigit() and int(usec) > 0 else None
        if pid and (not (pid.isascii() and pid.isdigit()) or int(pid) != os.getpid()):
            watchdog = None
        if address and not address.startswith(("/", "@")):
            log.warning(
                "notify_socket_unsupported",
                address=address,
                hint="only Unix socket paths and @abstract names are supported",
            )
            address = None
        return cls(address, watchdog)

    @property
    def enabled(self) -> bool:
        return self.sock is not None

    @property
    def watchdog_interval_s(self) -> float | None:
        """How often to send WATCHDOG=1: half the manager's timeout, as systemd advises."""
        return None if self.watchdog_usec is None else self.watchdog_usec / 2e6

    def send(self, *assignments: str) -> bool:
        if self.sock is None or self.address is None:  # both set, or neither
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            self.sock.sendto("\n".join(assignments).encode(), target)
        except OSError as exc:
            log.warning("notify_failed", address=self.address, error=exc.strerror or str(exc))
            return False
        return True

    def ready(self, status: str) -> None:
        self.last_status = status
        self.send("READY=1", f"STATUS={status}", f"MAINPID={os.getpid()}")

    def starting(self, status: str, extend_s: float) -> None:
        """Still starting, and making progress: STATUS= and EXTEND_TIMEOUT_USEC=, so that a start
        that takes long because it has much to take in (a big inbox) is not killed at the
        manager's TimeoutStartSec (90 s by default) and started again with all of it to do."""
        self.last_status = status
        self.send(f"EXTEND_TIMEOUT_USEC={int(extend_s * 1e6)}", f"STATUS={status}")

    def status(self, status: str) -> None:
        if status != self.last_status:
            self.last_status = status
            self.send(f"STATUS={status}")

    def stopping(self, status: str) -> None:
        self.last_status = status
        self.send("STOPPING=1", f"STATUS={status}")

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    async def keep_informing(self, describe: Callable[[], str], alive: Callable[[], bool] = lambda: True) -> None:
        """STATUS= when it changes (checked every few seconds), WATCHDOG=1 at half the timeout.

        Both come from the event loop, so a loop that hangs stops the watchdog
        pings and systemd restarts hookd; so does a daemon whose loop runs but
        which makes no progress (``alive`` is false: hookd/liveness.py).
        """
        interval = STATUS_EVERY_S
        if self.watchdog_interval_s is not None:
            interval = min(interval, self.watchdog_interval_s)
        withheld = False
        while True:
            if self.watchdog_usec is not None:
                if alive():
                    if withheld:
                        log.info("watchdog_resumed")
                    withheld = False
                    self.send("WATCHDOG=1")
                elif not withheld:
                    withheld = True
                    log.error(
                        "watchdog_withheld",
                        hint="hookd is stalled (see `hookd status`); the service manager "
                        "restarts it if this lasts WatchdogSec",
                    )
            self.status(describe())
            await asyncio.sleep(interval)
