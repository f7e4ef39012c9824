"""Never-stall pass (nineteenth): a Redis that takes the connection and never answers, from the
start, on a real `hookd run`; then a real Redis answering on that port.

hookd started and served at once, took the events into its spool, and `hookd status` turned
degraded once the first batch had waited redis_timeout_s, naming Redis: it held. But the reason
named no fix, where every other reason does. Now it says what to do; and once a real Redis
listens on the port, every event arrives, once.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading

import pytest

from conftest import RedisServer, wait_for_entries, wait_until
from redis_proxy import RedisProxy

pytestmark = pytest.mark.process


class Mute(RedisProxy):
    """Takes connections on a port and reads every command, never answering, until ``speak``; from
    then on it relays new connections to the real Redis behind it, and drops the ones it left
    unanswered (hookd connects again). The port stays the test's throughout: a redis-server
    started on it once freed raced the machine's other connections for it, and under load one
    took it first (the server never answered)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.muted = True
        self.unanswered: set[socket.socket] = set()
        self.switch = threading.Lock()
        super().__init__(target)

    def intercept(self, command: bytes, client: socket.socket, server: socket.socket, lock: threading.Lock) -> bool:
        with self.switch:
            if self.muted or client in self.unanswered:
                self.unanswered.add(client)
                return True
        return False

    def speak(self) -> None:
        with self.switch:
            self.muted = False
            unanswered = list(self.unanswered)
        for conn in unanswered:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def test_a_redis_that_never_answers_is_named_with_its_fix_and_the_events_arrive_once_it_does(
    hookd_process_factory, tmp_path
):
    redis_server = RedisServer(tmp_path / "redis")
    redis_server.start()
    mute = Mute(("127.0.0.1", redis_server.port))
    try:
        daemon = hookd_process_factory(
            redis_url=f"redis://127.0.0.1:{mute.port}/0", redis_timeout_s="1", stall_after_s="3"
        )
        sessions = [f"unanswered-{i}" for i in range(3)]
        for session in sessions:
            daemon.send_stop(session)
        assert daemon.inbox() == []

        def said() -> dict | None:
            done = subprocess.run(
                [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
            )
            document = json.loads(done.stdout)
            return document if done.returncode == 1 and document["reasons"] else None

        document = wait_until(said, timeout=20, interval=0.5, what="status to say Redis does not answer")
        (reason,) = [r for r in document["reasons"] if r.startswith("redis is down")]
        assert "did not answer" in reason and "3 events spooled" in reason, reason
        assert "fix: start Redis where redis_url points, or correct redis_url" in reason, reason
        assert redis_server.client().xlen("hookd:events") == 0  # nothing reached Redis while it was mute

        mute.speak()
        entries = wait_for_entries(redis_server.client(), 3, timeout=30)
        got = sorted(json.loads(e[b"envelope"])["session_id"] for e in entries)
        assert got == sessions
        wait_until(lambda: daemon.inbox() == [], timeout=60)
        assert redis_server.client().xlen("hookd:events") == 3
    finally:
        mute.close()
        redis_server.stop()
