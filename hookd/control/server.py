"""The control socket: one request line in, one JSON document out.

It sits beside the event socket, owner-only like it, so that a status query
never queues behind events and an event never waits for a status.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import msgspec
import psutil
import structlog

from hookd.config import Config
from hookd.control import snapshot
from hookd.control.inbox_counter import InboxCounter
from hookd.peers import PeerGuard, Throttle
from hookd.state import DaemonState

log = structlog.get_logger("hookd.control")

COMMANDS = ("status", "ping")
REQUEST_TIMEOUT_S = 2.0
# A request is one of COMMANDS on a line: a longer line is refused once this much is buffered,
# not read on to StreamReader's 64 KiB default.
MAX_REQUEST_BYTES = 1024
# As hookd ui's (hookd/ui/connections.py): an answer its peer has read nothing of for this long
# is dropped with its connection, so a client that never reads cannot hold either for good.
WRITE_TIMEOUT_S = 10.0
UNREAD_LOG_EVERY_S = 60.0
REFUSED_LOG_EVERY_S = 60.0
# Each refusal's reason, as counted in status (counters.control_refused) and logged.
REFUSALS = {
    "unknown_command": "the request was not one of the known commands",
    "too_long": f"the request line was over {MAX_REQUEST_BYTES} bytes",
    "unfinished": f"no complete request line came within {REQUEST_TIMEOUT_S:g}s",
}


class ControlServer:
    """Answers from the config and the DaemonState it is given; it never sees the daemon."""

    def __init__(self, config: Config, state: DaemonState) -> None:
        self.config = config
        # Off the loop, and never waited on for long: hundreds of thousands of files may wait there,
        # on a filesystem that may stop answering.
        self.inboxes = InboxCounter([path for path in (config.inbox_dir, config.spare_inbox) if path])
        self.state = state
        self.guard = PeerGuard(state.refused_peers)
        self.server: asyncio.base_events.Server | None = None
        self.process = psutil.Process()
        self.process.cpu_percent(None)  # the first call only starts the measurement
        self.unread_lines = Throttle(UNREAD_LOG_EVERY_S)
        self.refused_lines = Throttle(REFUSED_LOG_EVERY_S)

    async def start(self, sock: socket.socket) -> None:
        self.server = await asyncio.start_unix_server(
            self._handle, sock=sock, backlog=self.config.listen_backlog, limit=MAX_REQUEST_BYTES
        )

    async def rebind(self, sock: socket.socket) -> None:
        """Serve ``sock`` instead: the socket file was removed and bound again (daemon/sockets.py)."""
        old = self.server
        await self.start(sock)
        if old is not None:
            old.close()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.guard.admit(writer.get_extra_info("socket"), "control"):
            writer.transport.abort()  # the status names paths and counts: our user's only
            return
        try:
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT_S):
                    line = await reader.readline()
            except TimeoutError:
                self._refused("unfinished")
                return
            except ValueError:  # StreamReader's limit: the line is longer than any command
                self._refused("too_long")
                answer: object = {"error": f"request over {MAX_REQUEST_BYTES} bytes; known: {', '.join(COMMANDS)}"}
            else:
                if not line:
                    return  # closed before a byte: a probe of whether a daemon is here (socket_files.py)
                command = line.strip().decode(errors="replace")
                if command not in COMMANDS:
                    self._refused("unknown_command")
                counted = await self.inboxes.counts() if command == "status" else None
                reports = self.state.reports
                if command == "status" and reports is not None and reports.look_again is not None:
                    await reports.look_again()
                answer = self.answer(command, counted)
            # drain() then waits until all of it is with the kernel, and close() has nothing
            # left to flush (a close with bytes still buffered would wait for the peer for good).
            writer.transport.set_write_buffer_limits(high=0)
            writer.write(msgspec.json.encode(answer) + b"\n")
            try:
                async with asyncio.timeout(WRITE_TIMEOUT_S):
                    await writer.drain()
            except TimeoutError:
                self._unread(writer)
        except (TimeoutError, ConnectionError):
            pass
        except Exception:
            log.exception("control_request_failed")
        finally:
            writer.close()

    def _refused(self, reason: str) -> None:
        """A request that is none: counted by reason, and logged at most once a minute per reason."""
        self.state.control_refused[reason] += 1
        count = self.refused_lines.ready(reason)
        if count is not None:
            log.warning(
                "control_request_refused",
                reason=reason,
                why=REFUSALS[reason],
                count=count,
                total=self.state.control_refused[reason],
                hint=f"the control socket takes one line: {' or '.join(COMMANDS)} (as `hookd status` sends)",
            )

    def _unread(self, writer: asyncio.StreamWriter) -> None:
        writer.transport.abort()  # close() would wait for the peer to read the rest
        self.state.control_unread += 1
        count = self.unread_lines.ready("unread")
        if count is not None:
            log.warning(
                "control_answer_unread",
                timeout_s=WRITE_TIMEOUT_S,
                count=count,
                total=self.state.control_unread,
                hint="a client of this user asked the control socket and read nothing of the answer; "
                "its connection was closed",
            )

    def answer(self, command: str, counted: dict[str, dict[str, Any]] | None = None) -> object:
        if command == "status":
            return snapshot.take(self.config, self.state, self.process, counted)
        if command == "ping":
            return {"pong": True}
        return {"error": f"unknown command {command[:40]!r}; known: {', '.join(COMMANDS)}"}
