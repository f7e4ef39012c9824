"""Never-stall pass (nineteenth): a Redis that takes the connection and never answers, from the
start, on a real `hookd run`; then a real Redis on that port.

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

pytestmark = pytest.mark.process


class Silent:
    """Accepts connections on a port and reads whatever comes, never answering."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.taken: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.taken.append(conn)
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    @staticmethod
    def _drain(conn: socket.socket) -> None:
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()
        for conn in self.taken:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()


def test_a_redis_that_never_answers_is_named_with_its_fix_and_the_events_arrive_once_it_does(
    hookd_process_factory, tmp_path
):
    silent = Silent()
    redis_server = RedisServer(tmp_path / "redis")
    try:
        daemon = hookd_process_factory(
            redis_url=f"redis://127.0.0.1:{silent.port}/0", redis_timeout_s="1", stall_after_s="3"
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

        silent.close()
        redis_server.port, redis_server.url = silent.port, f"redis://127.0.0.1:{silent.port}/0"
        redis_server.start()
        entries = wait_for_entries(redis_server.client(), 3, timeout=30)
        got = sorted(json.loads(e[b"envelope"])["session_id"] for e in entries)
        assert got == sessions
        wait_until(lambda: daemon.inbox() == [], timeout=10)
        assert redis_server.client().xlen("hookd:events") == 3
    finally:
        silent.close()
        redis_server.stop()
