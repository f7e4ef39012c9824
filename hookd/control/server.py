"""The control socket: one request line in, one JSON document out.

It sits beside the event socket, owner-only like it, so that a status query
never queues behind events and an event never waits for a status.
"""

from __future__ import annotations

import asyncio
import socket

import msgspec
import psutil
import structlog

from hookd.config import Config
from hookd.control import snapshot
from hookd.peers import PeerGuard
from hookd.state import DaemonState

log = structlog.get_logger("hookd.control")

COMMANDS = ("status", "ping")
REQUEST_TIMEOUT_S = 2.0


class ControlServer:
    """Answers from the config and the DaemonState it is given; it never sees the daemon."""

    def __init__(self, config: Config, state: DaemonState) -> None:
        self.config = config
        self.state = state
        self.guard = PeerGuard(state.refused_peers)
        self.server: asyncio.base_events.Server | None = None
        self.process = psutil.Process()
        self.process.cpu_percent(None)  # the first call only starts the measurement

    async def start(self, sock: socket.socket) -> None:
        self.server = await asyncio.start_unix_server(self._handle, sock=sock, backlog=self.config.listen_backlog)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.guard.admit(writer.get_extra_info("socket"), "control"):
            writer.transport.abort()  # the status names paths and counts: our user's only
            return
        try:
            line = await asyncio.wait_for(reader.readline(), REQUEST_TIMEOUT_S)
            writer.write(msgspec.json.encode(self.answer(line.strip().decode(errors="replace"))) + b"\n")
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        except Exception:
            log.exception("control_request_failed")
        finally:
            writer.close()

    def answer(self, command: str) -> object:
        if command == "status":
            return snapshot.take(self.config, self.state, self.process)
        if command == "ping":
            return {"pong": True}
        return {"error": f"unknown command {command[:40]!r}; known: {', '.join(COMMANDS)}"}
