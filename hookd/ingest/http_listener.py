"""The HTTP listener: its sockets, its token, and the counts `hookd status` shows.

Each accepted connection is a ``HookConnection`` (http.py), which parses and answers.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import socket
from collections import Counter

import structlog

from hookd.ingest.budget import FrameBudget
from hookd.descriptors import connection_cap
from hookd.ingest.http import MAX_CONNECTIONS, HookConnection
from hookd.ingest.http_setup import HttpSettings, allowed_hosts, bind_addr, host_of, load_or_create_token
from hookd.peers import Throttle
from hookd.pipeline import Pipeline

log = structlog.get_logger("hookd.http")

REFUSAL_LOG_INTERVAL_S = 10.0


class HttpListener:
    """The listening sockets, the token and the counters `hookd status` shows."""

    def __init__(self, settings: HttpSettings, token: str, sockets: list[socket.socket]) -> None:
        self.addr = settings.http_addr
        # Compared as digests: equal lengths, so the time taken says nothing of the token.
        self.token_digest = hashlib.sha256(token.encode()).digest()
        self.token = token  # for the redactor: a payload that holds it is redacted (redact/known.py)
        self.hosts = allowed_hosts(settings.http_addr, settings.http_allow_public, settings.http_public_name)
        self.sockets = sockets
        self.max_body = settings.max_event_bytes
        self.timeout_s = settings.client_timeout_s
        self.backlog = settings.listen_backlog
        self.budget: FrameBudget | None = None  # shared with the socket's connections (budget.py)
        self.pipeline: Pipeline | None = None
        self.servers: list[asyncio.Server] = []
        self.connections: set[HookConnection] = set()
        self.by_status: Counter[int] = Counter()
        self.refused: Counter[str] = Counter()  # refusals before the token was known, by reason
        self.throttle = Throttle(REFUSAL_LOG_INTERVAL_S)
        self.refit(None)  # the cap for the limit in force; no connection yet to close

    @classmethod
    def bind(cls, settings: HttpSettings, passed: list[socket.socket] | None = None) -> HttpListener:
        """Read or create the token and bind the address, before anything slow, so errors come first.

        ``passed``: sockets the service manager holds on http_addr (socket activation),
        served as they are instead of binding.
        """
        token = load_or_create_token(settings.http_token_file)
        return cls(settings, token, passed or bind_addr(settings.http_addr, settings.http_token_file))

    async def start(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        loop = asyncio.get_running_loop()
        for sock in self.sockets:
            self.servers.append(await loop.create_server(lambda: HookConnection(self), sock=sock, backlog=self.backlog))
        log.info("http_serving", url=f"http://{self.addr}/hook")

    def refit(self, limit: int | None) -> None:
        """The cap for a descriptor limit changed while hookd runs (descriptors.follow_limit);
        connections past it that have not shown the token are closed. Also how __init__ sets it:
        the one place the listener's share of the descriptors is written."""
        self.max_connections = connection_cap(MAX_CONNECTIONS, 0.5, limit)
        why = " under a lowered descriptor limit: one that had not shown the token was closed"
        while len(self.connections) > self.max_connections and self.close_a_stranger(why):
            pass

    def close_a_stranger(self, why: str) -> bool:
        """Close a connection that has not shown the token: one already closing first (its peer
        closed it, or it has a last refusal to send that may sit unread for client_timeout_s),
        else the one that has waited longest; False if every one has shown it (the owner's).
        Passing over those closing answered new connections 503 while another user's flood of
        connections it closed held every place (tests/test_redteam9_http_flood.py)."""
        strangers = [c for c in self.connections if not c.reader.shown_token]
        if not strangers:
            return False
        oldest = min(strangers, key=lambda c: (not c.closing, c.opened_at))
        oldest.closing = True
        self.connections.discard(oldest)
        if oldest.transport is not None:
            oldest.transport.abort()
        self.log_refusal(503, "connections_full", f"over {self.max_connections} connections at once{why}")
        return True

    def authorization_problem(self, value: bytes | None) -> str | None:
        """Why the Authorization header does not carry our token, or None when it does."""
        if value is None:
            return "no Authorization header; send Authorization: Bearer <the token in http_token_file>"
        scheme, _, credentials = value.strip().partition(b" ")
        if scheme.lower() != b"bearer":
            return "the Authorization header must be Bearer <the token in http_token_file>"
        credentials = credentials.strip()
        if not credentials:
            return (
                "the bearer token is empty: Claude Code fills the header from HOOKD_HTTP_TOKEN in its "
                "own environment, and sends an empty string when the variable is not set there (or "
                "the hook's allowedEnvVars does not list it); fix: export HOOKD_HTTP_TOKEN=\"$(cat "
                '<http_token_file>)" in the shell that starts Claude Code, then restart it '
                "(`hookd hooks status` says whether it is set)"
            )
        if not hmac.compare_digest(hashlib.sha256(credentials).digest(), self.token_digest):
            return "the bearer token is not the one in http_token_file"
        return None

    def host_problem(self, value: bytes | None) -> str | None:
        """Why the Host header does not name this listener (a DNS-rebinding page's would not), or None."""
        if value is None:
            return "no Host header; HTTP/1.1 requests must name the host they are for"
        host = host_of(value)
        if host in self.hosts or host_of(value, loopback_only=True) is not None:
            return None
        return (
            "the Host header must name this machine (localhost, 127.0.0.1 or [::1]"
            + (", or http_public_name" if self.hosts else "")
            + "); a page in a browser "
            "that re-pointed its own name at this address is refused"
        )

    def log_refusal(self, status: int, reason: str, message: str) -> None:
        """Count a refusal that never reached the pipeline, and log it at most once per reason
        per REFUSAL_LOG_INTERVAL_S with the count since the last line: anyone on this machine
        can send them, and must not be able to flood the log."""
        self.refused[reason] += 1
        count = self.throttle.ready(reason)
        if count is not None:
            log.warning(
                "http_request_refused",
                status=status,
                reason=reason,
                detail=message,
                refused=count,
                refused_total=self.refused[reason],
                interval_s=REFUSAL_LOG_INTERVAL_S,
            )

    @property
    def mid_request(self) -> bool:
        return any(c.in_request for c in self.connections)

    @property
    def awaiting_first_request(self) -> bool:
        """A connection accepted but not sent on yet (an http hook that connected just now)."""
        return any(c.fresh and not c.closing for c in self.connections)

    def stop_listening(self) -> None:
        for server in self.servers:
            server.close()
        for sock in self.sockets:
            sock.close()

    def shut(self) -> None:
        for connection in list(self.connections):
            connection.shut()

    def stats(self) -> dict[str, object]:
        """What status shows of HTTP hooks."""
        return {
            "addr": self.addr,
            "connections": len(self.connections),
            "requests": sum(self.by_status.values()),
            "by_status": {str(status): n for status, n in sorted(self.by_status.items())},
            "refused": dict(sorted(self.refused.items())),
        }
