"""The HTTP listener: its sockets, its token, and the counts `hookd status` shows.

Each accepted connection is a ``HookConnection`` (http.py), which parses and answers.
"""

from __future__ import annotations

import asyncio
import hmac
import socket
import time
from collections import Counter

import structlog

from hookd.config import Config
from hookd.ingest.http import HookConnection
from hookd.ingest.http_setup import bind_addr, load_or_create_token
from hookd.pipeline import Pipeline

log = structlog.get_logger("hookd.http")


class HttpListener:
    """The listening sockets, the token and the counters `hookd status` shows."""

    def __init__(self, config: Config, token: str, sockets: list[socket.socket]) -> None:
        self.addr = config.http_addr
        self.token = token.encode()
        self.sockets = sockets
        self.max_body = config.max_event_bytes
        self.timeout_s = config.client_timeout_s
        self.pipeline: Pipeline | None = None
        self.servers: list[asyncio.Server] = []
        self.connections: set[HookConnection] = set()
        self.by_status: Counter[int] = Counter()
        self._logged_at: dict[int, float] = {}

    @classmethod
    def bind(cls, config: Config, passed: list[socket.socket] | None = None) -> HttpListener:
        """Read or create the token and bind the address, before anything slow, so errors come first.

        ``passed``: sockets the service manager holds on http_addr (socket activation),
        served as they are instead of binding.
        """
        token = load_or_create_token(config.http_token_file)
        return cls(config, token, passed or bind_addr(config.http_addr))

    async def start(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        loop = asyncio.get_running_loop()
        for sock in self.sockets:
            self.servers.append(await loop.create_server(lambda: HookConnection(self), sock=sock))
        log.info("http_serving", url=f"http://{self.addr}/hook")

    def authorization_problem(self, value: bytes | None) -> str | None:
        """Why the Authorization header does not carry our token, or None when it does."""
        if value is None:
            return "no Authorization header; send Authorization: Bearer <the token in http_token_file>"
        scheme, _, credentials = value.strip().partition(b" ")
        if scheme.lower() != b"bearer":
            return "the Authorization header must be Bearer <the token in http_token_file>"
        credentials = credentials.strip()
        if not credentials:
            return ("the bearer token is empty (Claude Code sends an empty string for a header "
                    "variable that allowedEnvVars does not list)")
        if not hmac.compare_digest(credentials, self.token):
            return "the bearer token is not the one in http_token_file"
        return None

    def log_refusal(self, status: int, reason: str, message: str) -> None:
        """Log refusals that never reach the pipeline; at most once a second per status,
        since anyone on this machine can send them."""
        now = time.monotonic()
        if now - self._logged_at.get(status, -2.0) >= 1.0:
            self._logged_at[status] = now
            log.warning("http_request_refused", status=status, reason=reason, detail=message,
                        refused_so_far=self.by_status[status] + 1)

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

    def snapshot(self) -> dict:
        return {"addr": self.addr, "connections": len(self.connections),
                "requests": sum(self.by_status.values()),
                "by_status": {str(status): n for status, n in sorted(self.by_status.items())}}
