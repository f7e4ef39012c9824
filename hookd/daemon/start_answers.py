"""`hookd status` answered while the start runs.

The control socket is bound early in the start (startup.py), but the loop serves it only once the
start has ended: before that its clients waited in the listen backlog, and on a state directory whose
mount stopped answering the start never ended, so status said only "did not answer". A thread of its
own answers it meanwhile, with what the start is doing, on which path, and for how long it has made
no progress: the loop's thread may be inside a call that waits on the disk, this one makes none on
the state directory (the mount is named from /proc/self/mountinfo). Each answer is bounded (one line
read, one small document written, REQUEST_TIMEOUT_S for each), and the peer is checked as the
control server checks it. The thread ends before the loop's control server takes the socket over.
"""

from __future__ import annotations

import json
import os
import select
import socket
import threading
import time

import structlog

from hookd import __version__
from hookd.control.server import MAX_REQUEST_BYTES
from hookd.mounts import listed_mount
from hookd.peers import PeerGuard
from hookd.state import DaemonState

log = structlog.get_logger("hookd.control")

POLL_S = 0.1  # how often the thread sees that the start has ended
# A start that ends within this much is answered by the control server as before (its clients wait in the
# backlog, as `hookd status` waits up to 3 s): only a long start is answered from here.
ANSWER_AFTER_S = 2.0
REQUEST_TIMEOUT_S = 1.0  # the loop's control server waits this thread's client at most this long


class StartAnswers:
    """Serves ``sock`` (the bound control socket) until ``ended()``. ``at(what, path)`` says what the start
    does next, ``progress(done, total)`` that it moves: a start with neither for ``stall_after_s`` is stalled."""

    def __init__(self, sock: socket.socket, state: DaemonState, state_dir: str, stall_after_s: float) -> None:
        self.sock = sock
        self.guard = PeerGuard(state.refused_peers)
        self.state_dir = state_dir
        self.stall_after_s = stall_after_s
        self.began = self.moved = time.monotonic()
        self.start_thread = threading.get_native_id()  # the loop's, which makes the start's calls
        self.doing: tuple[str, str, str] = ("opening the state directory", state_dir, "")
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="hookd-start-answers", daemon=True)
        self.thread.start()

    def at(self, what: str, path: str) -> None:
        self.doing = (what, path, "")
        self.moved = time.monotonic()

    def progress(self, done: int, total: int) -> None:
        what, path, _ = self.doing
        self.doing = (what, path, f"{done:,} of {total:,}")
        self.moved = time.monotonic()

    def ended(self) -> None:
        """Answers no more: the control server serves the socket from here (idempotent)."""
        self.done.set()
        self.thread.join()

    def answer(self) -> dict[str, object]:
        """The document a status request gets during the start (control/status.py reads it)."""
        now = time.monotonic()
        what, path, count = self.doing
        idle = now - self.moved
        mount = listed_mount(path)
        state, waits_in = thread_state(self.start_thread)
        starting: dict[str, object] = {
            "doing": what + (f", {count}" if count else ""),
            "path": path,
            "mount": mount,
            "for_s": round(now - self.began, 1),
            "no_progress_s": round(idle, 1),
            "stall_after_s": self.stall_after_s,
            "thread": {"state": state, "waits_in": waits_in},
        }
        stalled = []
        # A thread that runs (a redaction database compiled for a changed rule set takes tens of seconds on a
        # loaded machine) is starting, not stalled: only one that waits in the kernel without progress is.
        if idle >= self.stall_after_s and state != "R":
            where = f"its filesystem, mounted at {mount}," if mount else "its filesystem"
            why = (
                f"its thread waits in the kernel ({waits_in or state}): {where} may not answer "
                "(a disk or a network mount that hung?); check that mount"
            )
            stalled.append(
                f"the start has made no progress for {idle:.0f}s, {what} ({path}): {why}; nothing is served "
                "until the start ends (hook-send keeps events in its inbox meanwhile)"
            )
        return {"starting": starting, "stalled": stalled, "pid": os.getpid(), "version": __version__}

    def _serve(self) -> None:
        if self.done.wait(ANSWER_AFTER_S):
            return
        while not self.done.is_set():
            try:
                ready, _, _ = select.select([self.sock], [], [], POLL_S)
                if not ready:
                    continue
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):  # another took it, or a signal
                continue
            except OSError as exc:  # the socket closed under it (a failed start): nothing left to serve
                log.debug("start_answers_ended", error=exc.strerror)
                return
            with conn:
                self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        if not self.guard.admit(conn, "control"):
            return
        conn.settimeout(REQUEST_TIMEOUT_S)
        try:
            line = _read_line(conn, MAX_REQUEST_BYTES)
            if not line:
                return  # a probe of whether a daemon is here, or a line too long or too late
            command = line.strip().decode(errors="replace")
            reply: object = (
                self.answer()
                if command == "status"
                else {"pong": True}
                if command == "ping"
                else {"error": f"unknown command {command[:40]!r}; known: status, ping"}
            )
            conn.sendall(json.dumps(reply).encode() + b"\n")
        except OSError:  # its client went, or did not read: its own loss
            pass


def _read_line(conn: socket.socket, limit: int) -> bytes:
    """One request line, or b"" when none came whole within the socket's timeout and ``limit``."""
    got = b""
    while b"\n" not in got:
        try:
            chunk = conn.recv(limit)
        except TimeoutError:
            return b""
        if not chunk:
            return got
        got += chunk
        if len(got) > limit:
            return b""
    return got


def thread_state(tid: int) -> tuple[str | None, str | None]:
    """(state, the kernel function it waits in) of this process's thread ``tid`` (proc(5)): R running, S or D
    waiting (request_wait_answer: on a FUSE mount's answer). Nones where /proc does not say."""
    try:
        with open(f"/proc/self/task/{tid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
        with open(f"/proc/self/task/{tid}/wchan", encoding="ascii", errors="replace") as f:
            wchan = f.read().strip()
    except OSError:
        return None, None
    state = stat[stat.rindex(")") + 2 : stat.rindex(")") + 3] or None
    return state, (wchan if wchan not in ("", "0") else None)
