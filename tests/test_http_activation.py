"""HTTP hooks across restarts: the HTTP port is socket-activated like the Unix sockets.

systemd-socket-activate holds the event socket, the control socket and a TCP socket on
http_addr; a supervisor loop restarts hookd each time it exits (see
test_socket_activation). Three senders post events to /hook as Claude Code's http hooks
do, each on a new connection, while hookd is stopped (SIGTERM) and started again: a post
made while no hookd runs waits in the held socket's queue, so every post is answered 200
and every event arrives exactly once, each sender's in order.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import threading
import time

import pytest
import test_faults as faults
from conftest import free_port, log_records, wait_until
from test_socket_activation import ActivatedHookd


class HttpActivatedHookd(ActivatedHookd):
    def __init__(self, base, redis_url: str) -> None:
        super().__init__(base, redis_url)
        self.port = free_port()
        self.http_addr = f"127.0.0.1:{self.port}"
        self.more_listen = [(self.http_addr, "http")]
        self.more_args = ["--http-addr", self.http_addr]


@pytest.fixture
def activated(tmp_path, redis_server, redis_db):
    daemon = HttpActivatedHookd(tmp_path / "activated", redis_server.url)
    yield daemon
    daemon.kill_everything()
    shutil.rmtree(daemon.socket.parent, ignore_errors=True)


class Poster(threading.Thread):
    """POST /hook again and again, one connection each, as an http hook does."""

    def __init__(self, daemon: HttpActivatedHookd, token: str, name: str, stop: threading.Event):
        super().__init__(name=f"poster-{name}", daemon=True)
        self.daemon_ = daemon
        self.token = token
        self.sender = name
        self.stop_event = stop
        self.handed: list[int] = []
        self.problems: list[str] = []

    def run(self) -> None:
        n = 0
        while not self.stop_event.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", self.daemon_.port, timeout=60)
            try:
                conn.request(
                    "POST",
                    "/hook",
                    body=faults.body(self.sender, n),
                    headers={
                        "Authorization": f"Bearer {self.token}",
                        "Content-Type": "application/json",
                        "Connection": "close",
                    },
                )
                response = conn.getresponse()
                answer = response.read()
                if response.status == 200:
                    self.handed.append(n)
                else:
                    self.problems.append(f"{self.sender} {n}: {response.status} {answer[:200]!r}")
            except OSError as exc:
                self.problems.append(f"{self.sender} {n}: {exc!r}")
            finally:
                conn.close()
            n += 1


def test_http_posts_through_graceful_restarts_are_all_answered_and_arrive_once(activated, redis_db):
    activated.start()
    with socket_connect(activated.port):  # the first connection starts hookd
        pass
    pid = wait_until(activated.serving_pid, timeout=30, what="hookd started by the first connection")
    token = (activated.state_dir / "http.token").read_text().strip()
    stop = threading.Event()
    posters = [Poster(activated, token, f"p{i}", stop) for i in range(3)]
    for p in posters:
        p.start()
    try:
        for _ in range(3):
            floor = [len(p.handed) + 5 for p in posters]
            wait_until(
                lambda: all(len(p.handed) >= f for p, f in zip(posters, floor)),
                timeout=60,
                what="each poster to get five more answers",
            )
            os.kill(pid, signal.SIGTERM)
            pid = wait_until(
                lambda: activated.serving_pid(other_than=pid),
                timeout=60,
                interval=0.005,
                what="the supervisor to start hookd again",
            )
        floor = [len(p.handed) + 5 for p in posters]
        wait_until(
            lambda: all(len(p.handed) >= f for p, f in zip(posters, floor)),
            timeout=60,
            what="each poster to get answers after the last restart",
        )
    finally:
        stop.set()
        for p in posters:
            p.join(60)
    assert [problem for p in posters for problem in p.problems] == []
    entries = faults.finish(activated, redis_db)
    faults.assert_each_sender_exactly_once_in_order(entries, {p.sender: p.handed for p in posters})
    records = log_records(activated.log_text())
    assert any(r.get("event") == "socket_passed" and r.get("role") == "http" for r in records)
    assert activated.stop() == 0
    assert activated.exit_codes() == [0] * 4


def socket_connect(port: int):
    import socket

    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    time.sleep(0.05)
    return sock


def test_the_rendered_units_hold_the_http_port_when_http_addr_is_set(tmp_path):
    import plistlib

    from test_service_units import installation, verify

    from hookd.service import units

    inst = installation(tmp_path)._replace(http_addr="localhost:8787")
    rendered = units.systemd_units(inst)
    assert "\nListenStream=127.0.0.1:8787\n" in rendered["hookd.socket"]
    result = verify(tmp_path, rendered)
    assert result.returncode == 0, result.stderr
    plist = plistlib.loads(units.launchd_plist(inst, "/Users/me").encode())
    assert plist["Sockets"]["Http"] == {"SockNodeName": "127.0.0.1", "SockServiceName": "8787", "SockType": "stream"}
    plain = units.systemd_units(installation(tmp_path))
    assert "ListenStream=127" not in plain["hookd.socket"]
    assert "Http" not in plistlib.loads(units.launchd_plist(installation(tmp_path), "/Users/me").encode())["Sockets"]
