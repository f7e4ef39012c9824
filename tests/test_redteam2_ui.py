"""Red team, second pass: `hookd ui` against another local user who can reach its port.

uvicorn's httptools protocol kept a header value that never ends, and read pipelined
requests ahead of its answers without bound: +36 MiB in 4 s for one endless header, +196 MiB
for 5 MiB of pipelined 404s never read. The UI now serves with the h11 protocol, which caps
an unfinished request head (16 KiB) and reads the next request only once it has answered.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import psutil
import pytest

from other_user import needs_root, run_as_nobody
from ui_stack import Ui

LIMIT = 24 << 20


def rss(pid: int) -> int:
    return psutil.Process(pid).memory_info().rss


@pytest.fixture
def ui(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory()
    ui = Ui(daemon.env, tmp_path / "ui.log")
    yield ui
    ui.stop()


def _endless_header(host: str, port: int) -> dict:
    sock = socket.create_connection((host, port))
    sock.settimeout(2)
    sent, cut, start = 0, False, time.monotonic()
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: ")
        while sent < (32 << 20) and time.monotonic() - start < 3:
            sock.sendall(b"a" * (1 << 20))
            sent += 1 << 20
    except OSError:
        cut = True
    sock.close()
    return {"sent": sent, "cut": cut}


def _pipelined_unread(host: str, port: int) -> dict:
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(2)
    requests = b"GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 2000
    sent, start = 0, time.monotonic()
    try:
        while sent < (40 << 20) and time.monotonic() - start < 10:
            sock.sendall(requests)
            sent += len(requests)
    except OSError:
        pass
    sock.close()
    return {"sent": sent}


@needs_root
@pytest.mark.parametrize("attack", [_endless_header, _pipelined_unread], ids=["endless_header", "pipelined_unread"])
def test_another_user_cannot_make_the_ui_hold_memory_without_end(ui, attack):
    parts = urlsplit(ui.origin)
    before = rss(ui.proc.pid)
    got = run_as_nobody(attack, parts.hostname, parts.port, timeout=60)
    grown = rss(ui.proc.pid) - before
    assert grown < LIMIT, f"hookd ui grew by {grown >> 20} MiB ({got})"
    assert got["sent"] < (8 << 20), got  # it stopped reading, or cut the connection
    assert ui.proc.poll() is None
