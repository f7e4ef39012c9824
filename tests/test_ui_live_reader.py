"""`hookd ui`'s live feed against a slow Redis: the requests' reads cannot take the live reader's
connection (the eighth pass's API routes, continued)."""

from __future__ import annotations

import concurrent.futures
import socket
import threading
import time
import urllib.parse

from test_redteam7_ui import _status
from test_redteam8_ui_api import Browser, Stall, add, assert_quiet

from conftest import wait_until
from ui_stack import Ui


class EventStream:
    """A browser's live stream (/api/stream), read in a thread: what it has delivered so far."""

    def __init__(self, browser: Browser) -> None:
        netloc, path = urllib.parse.urlsplit(browser.base + "/api/stream")[1:3]
        host, port = netloc.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {netloc}\r\nCookie: {browser.cookie}\r\n\r\n".encode())
        self.got = bytearray()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while chunk := self.sock.recv(65536):
                self.got += chunk
        except OSError:
            pass

    def delivered(self, entry_id: str) -> bool:
        return f'"id":"{entry_id}"'.encode() in self.got

    def close(self) -> None:  # before the UI stops: a stream still open holds its shutdown
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def test_the_live_stream_delivers_while_requests_wait_on_a_stalled_redis(hookd, redis_server, redis_db, tmp_path):
    """The requests' reads and the live reader's XREAD shared one pool of 4 connections: a burst of
    requests against a Redis that does not answer them took every connection, and the page stopped
    updating (the reader's XREAD got "Too many connections") until their reads timed out."""
    first = add(redis_db, "e0")
    proxy = Stall(redis_server.port)
    log = tmp_path / "ui.log"
    env = {**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0", "HOOKD_REDIS_TIMEOUT_S": "8"}
    ui = Ui(env, log, history=1)
    done = threading.Event()
    try:
        wait_until(lambda: _status(ui)["newest"] == first, timeout=30, what="the UI to start")
        browser = Browser(ui)
        live = EventStream(browser)
        proxy.stalled = {b"XRANGE"}

        def burst() -> set[int]:
            codes = set()
            while not done.is_set():
                codes.add(browser.get(f"/api/envelope/{first}")[0])
            return codes

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            bursts = [pool.submit(burst) for _ in range(8)]
            try:
                wait_until(lambda: proxy.held >= 3, timeout=10, what="requests to wait on Redis")
                # The reader's read fails once (its connection dropped; on a slow Redis, its own
                # timeout): it reads again a second later, from the connection it had.
                proxy.cut = {b"XREAD"}
                wait_until(lambda: not proxy.cut, timeout=5, what="the reader's connection to drop")
                for i in range(3):
                    time.sleep(1.5)  # past the reader's XREAD BLOCK, while the requests still wait
                    newest = add(redis_db, f"live{i}")
                    wait_until(lambda: live.delivered(newest), timeout=5, what=f"live{i} on the live stream")
                assert _status(ui)["error"] is None
            finally:
                done.set()
                proxy.stalled = set()
            codes = set().union(*(b.result() for b in bursts))
        assert codes <= {200, 503}, codes  # the requests beyond the pool still say they are busy
        assert 503 in codes, codes
        live.close()
    finally:
        done.set()
        ui.stop()
        proxy.close()
    assert_quiet(log.read_text())
