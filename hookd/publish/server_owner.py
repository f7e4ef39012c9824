"""Who is at the other end of a connection to Redis, checked before hookd sends it a byte.

Anyone on the machine may listen on a loopback port, or make a Unix socket at a free path in a
shared directory, before Redis does: while Redis is stopped, restarting, not installed yet, or
on another port than redis_url says. Whatever listens there was sent the password (HELLO or
AUTH) and then every event hookd publishes, and could answer hookd tail and hookd ui with
entries of its own (tests/test_redteam19_redis_owner.py). So every connection any of hookd's
clients makes (publisher, sentinels, Cluster nodes, tail, the UI) is checked as soon as it is
open: a server on this machine must run as the user, root, or an account named in
redis_server_accounts (a distribution's redis-server runs as ``redis``); any other, a system
account's too, is closed on, unsent to (port_holders.server_uid, trusted_server). The accounts
are the connection class's own (``server_accounts``, put there from the client's settings by
replies.bounded), not the process's: two clients made from different settings keep theirs.
A remote server's end is not on this machine and cannot be told: TLS is what checks it. A server
whose TLS certificate hookd verified has proved who it is, whoever runs it: that is how to reach
a Redis another person runs on this machine.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Collection, Generator
from typing import Any

import redis.exceptions

from hookd import port_holders
from hookd.uid_namespace import partial_namespace_note

# A loopback server's end of the connection is in /proc/net/tcp once it has taken the
# handshake's last packet, which may be a moment after connect() returned on our side.
LOOKUPS = 10
LOOKUP_PAUSE_S = 0.002


class StrangerServer(redis.exceptions.ConnectionError):
    """The server hookd connected to is a process of another user: nothing was sent to it."""

    def __init__(self, where: str, uid: int, accounts: Collection[str]) -> None:
        note = partial_namespace_note(uid)
        if note:
            message = (
                f"SECURITY: {where} is served by a process whose uid reads as {uid} here, which may be root, "
                f"a system account's redis-server or another user's listener: hookd closed the connection "
                f"without sending it anything; {note}"
            )
        else:
            name = port_holders.user_name(uid)
            named = ", ".join(sorted(accounts)) or "none"
            message = (
                f"SECURITY: {where} is served by a process of uid {uid} ({name}), not by you, root or an "
                f"account of redis_server_accounts ({named}): another user listens where hookd expects "
                "Redis, and would be sent the password and every event; hookd closed the connection without "
                "sending it anything; fix: stop that listener and start Redis there (as a system service, or "
                "as you), or point redis_url at a Redis of your own (a unix:// socket in a directory only you "
                "and Redis can enter), and find out why that user listens there; if it is the Redis you "
                f"meant, add {name!r} to redis_server_accounts"
            )
        super().__init__(message)
        self.uid = uid


def _verified(tls: ssl.SSLObject | ssl.SSLSocket | None) -> bool:
    """Whether the connection is TLS whose server certificate was checked against a CA, and its name
    against the one hookd asked for (else any certificate of the CA's, a public one included, would do)."""
    return tls is not None and tls.context.verify_mode != ssl.CERT_NONE and tls.context.check_hostname


def _stranger(
    sock: socket.socket, tls: ssl.SSLObject | ssl.SSLSocket | None, accounts: Collection[str]
) -> Generator[float, None, int | None]:
    """The uid of another user's process serving ``sock``, else None (a trusted owner, a verified TLS
    server, a remote one, or no owner found). Yields each pause to take before looking again: the
    asynchronous connection awaits it, the synchronous one sleeps, and both share this one check."""
    if _verified(tls) or not port_holders.on_this_machine(sock):
        return None
    for _ in range(LOOKUPS):
        if (owner := port_holders.server_uid(sock)) is not None:
            return None if port_holders.trusted_server(owner, accounts) else owner
        yield LOOKUP_PAUSE_S
    return None


async def _awaited(check: Generator[float, None, int | None]) -> int | None:
    while True:
        try:
            await asyncio.sleep(next(check))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


def _slept(check: Generator[float, None, int | None]) -> int | None:
    while True:
        try:
            time.sleep(next(check))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


class OwnedServer:
    """Mixed into a redis-py asyncio connection class: the connection is checked as it opens.
    No account is trusted but the user's and root's unless the class is given some."""

    server_accounts: frozenset[str] = frozenset()
    _reader: Any
    _writer: Any

    async def _connect(self) -> None:
        await super()._connect()  # type: ignore[misc]  # mixed into a Connection
        if self._writer is None:
            return
        transport = self._writer.transport
        sock = transport.get_extra_info("socket")
        if sock is None:
            return
        check = _stranger(sock, transport.get_extra_info("ssl_object"), self.server_accounts)
        if (uid := await _awaited(check)) is not None:
            self._writer.close()
            self._reader = self._writer = None
            raise StrangerServer(self._host_error(), uid, self.server_accounts)  # type: ignore[attr-defined]


class SyncOwnedServer:
    """The same for a synchronous connection class, whose _connect returns the socket."""

    server_accounts: frozenset[str] = frozenset()

    def _connect(self) -> socket.socket:
        sock: socket.socket = super()._connect()  # type: ignore[misc]
        check = _stranger(sock, sock if isinstance(sock, ssl.SSLSocket) else None, self.server_accounts)
        if (uid := _slept(check)) is not None:
            sock.close()
            raise StrangerServer(self._host_error(), uid, self.server_accounts)  # type: ignore[attr-defined]
        return sock
