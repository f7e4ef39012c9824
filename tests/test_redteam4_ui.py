"""Red team, fourth pass: `hookd ui` against another local user who sends requests and never
reads the answers.

h11 reads a connection's next request only once it has answered the last, and the UI closes a
connection that takes over 10 s to send a request head. But while an answer is being written
the connection was never timed: a peer that pipelined thousands of requests (each answered 404)
behind a small receive window, and read nothing, left the answer stuck waiting for the
transport to drain, for good: the connection, its descriptor and its buffers stayed, and it
was never closed to make room either (only connections waiting for a head are). 256 of them
would close every new connection of the owner's. Now an answer that cannot be written for
WRITE_TIMEOUT_S (the transport's buffer stays full) closes its connection.
"""

from __future__ import annotations

import os
import socket
import time
from urllib.parse import urlsplit

import psutil
import pytest

from hookd.ui.connections import HEAD_TIMEOUT_S
from other_user import _become_nobody, needs_root
from ui_stack import Ui

STUCK = 4
REQUESTS = 30000  # about 20 MB of 404 answers each: past every buffer on the way
CLOSED_WITHIN_S = 2 * HEAD_TIMEOUT_S + 30  # the timeouts, then time to be scheduled on a loaded machine


@pytest.fixture
def ui(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory()
    ui = Ui(daemon.env, tmp_path / "ui.log")
    yield ui
    ui.stop()


def _pipeline_without_reading(port: int, ready_w: int, stop_r: int) -> None:
    held = []
    for _ in range(STUCK):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # a small window: answers pile up
        s.connect(("127.0.0.1", port))
        s.setblocking(False)
        data = b"GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * REQUESTS
        sent, started = 0, time.monotonic()
        while sent < len(data) and time.monotonic() - started < 10:
            try:
                sent += s.send(data[sent:])
            except BlockingIOError:
                time.sleep(0.01)
        held.append(s)
    os.write(ready_w, b"x")
    os.read(stop_r, 1)


def _established(pid: int, port: int) -> int:
    return sum(
        1
        for c in psutil.Process(pid).net_connections()
        if c.status == "ESTABLISHED" and c.laddr and c.laddr.port == port
    )


@needs_root
def test_answers_another_user_never_reads_do_not_hold_connections_for_good(ui):
    port = urlsplit(ui.url).port
    ready_r, ready_w = os.pipe()
    stop_r, stop_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(ready_r)
            os.close(stop_w)
            _become_nobody()
            _pipeline_without_reading(port, ready_w, stop_r)
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(stop_r)
    try:
        assert os.read(ready_r, 1) == b"x"
        started = time.monotonic()
        seen = []
        while time.monotonic() - started < CLOSED_WITHIN_S:
            seen.append(_established(ui.proc.pid, port))
            if seen[-1] == 0 and max(seen) > 0:
                break
            time.sleep(1)
        else:
            pytest.fail(f"the UI kept {seen[-1]} connections whose answers are never read for {CLOSED_WITHIN_S}s")
        print(f"closed after {time.monotonic() - started:.0f}s: {seen}")
    finally:
        os.write(stop_w, b"x")
        os.waitpid(pid, 0)
        os.close(ready_r)
        os.close(stop_w)
    assert ui.proc.poll() is None
