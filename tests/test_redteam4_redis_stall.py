"""Red team, fourth pass: a Redis that stops answering in the middle of a reply.

Between hookd and a real redis-server sits a proxy that, once told to, passes Redis's replies
on only partly: the first byte of each reply and then nothing (``partial``), or a byte at a
time every 300 ms, each byte inside the read timeout (``trickle``). hookd must keep taking
events into the spool meanwhile (hook-send's events are acknowledged, not left in the inbox),
`hookd status` must stop saying healthy within seconds, and once the proxy passes replies
again every event must reach the stream once.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from conftest import wait_for_entries
from hookd import config as hookd_config
from hookd.control import status
from redis_proxy import RedisProxy


class StallingProxy(RedisProxy):
    """The relay of redis_proxy.RedisProxy whose replies ``mode`` holds back: pass, partial, trickle
    (see the module's doc)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.mode = "pass"
        self.closed = threading.Event()
        super().__init__(target)

    def _replies(self, server: socket.socket, client: socket.socket, lock: threading.Lock) -> None:
        try:
            while chunk := server.recv(65536):
                with lock:
                    self._relay(chunk, client)
        except OSError:
            pass

    def _relay(self, chunk: bytes, client: socket.socket) -> None:
        if self.mode == "pass":
            client.sendall(chunk)
        elif self.mode == "partial":
            client.sendall(chunk[:1])
            while self.mode == "partial" and not self.closed.wait(0.05):
                pass  # the rest waits: Redis has stopped in mid-reply
            client.sendall(chunk[1:])
        else:
            for i in range(len(chunk)):  # trickle: a byte every 300 ms
                if self.mode != "trickle":
                    client.sendall(chunk[i:])
                    break
                client.sendall(chunk[i : i + 1])
                self.closed.wait(0.3)

    def close(self) -> None:
        self.closed.set()
        super().close()


@pytest.mark.parametrize("mode", ["partial", "trickle"])
def test_a_redis_stalled_mid_reply_is_reported_and_the_spool_keeps_taking_events(
    hookd_factory, redis_server, redis_db, mode
):
    proxy = StallingProxy(("127.0.0.1", redis_server.port))
    try:
        daemon = hookd_factory(
            redis_url=f"redis://127.0.0.1:{proxy.port}/0",
            redis_timeout_s="1",
            stall_after_s="3",
            breaker_backoff_max_s="1",
        )

        daemon.send_stop("before")
        wait_for_entries(redis_db, 1)
        proxy.mode = mode
        for i in range(5):
            daemon.send_stop(f"during-{i}")
        assert daemon.inbox() == [], "hookd stopped acknowledging events while Redis stalled"
        seen = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            code, document = status.gather(hookd_config.load(environ=daemon.env))
            seen.append((round(time.monotonic() - deadline + 20, 1), document.get("health"), document.get("reasons")))
            if document.get("health") not in ("healthy", None) and code != 0:
                break
            time.sleep(0.25)
        else:
            pytest.fail(f"status said healthy for 20 s while Redis stalled mid-reply: {seen[-3:]}")
        assert document["spool"]["events"] >= 1, document["spool"]
        proxy.mode = "pass"
        entries = wait_for_entries(redis_db, 6, timeout=30)
        sessions = [json.loads(e[b"envelope"])["session_id"] for e in entries]
        assert sorted(sessions) == sorted(["before"] + [f"during-{i}" for i in range(5)]), sessions
        print(f"{mode}: not healthy after {seen[-1][0]} s: {seen[-1][1:]}")
    finally:
        proxy.close()
