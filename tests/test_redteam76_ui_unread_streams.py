"""Seventy-sixth red-team pass: browsers that never read their event stream.

A reconnecting browser is sent up to 5,000 records at once, and a browser that fell behind its
batches joined into one message: each was built whole for that connection and handed to the
transport at once, so a connection that read nothing held a copy of it (tens of MB when others
write long fields) until it was closed, one copy per connection. And the connection closed for
reading nothing was closed without a word. Now a message is written a piece at a time, the next
once the transport has taken the last, and the close is logged and counted in api/status.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from urllib.parse import urlsplit

import psutil
import pytest

from conftest import wait_until
from test_redteam8_ui_api import Browser
from ui_stack import Ui

ENTRIES = 3000
NOT_READING = 12
LATER = 200
# Each record carries long fields of control characters, sent escaped (six bytes each): about
# 10 KB of JSON a record, so one catch-up of ENTRIES is about 30 MB.
FAT = "\x01" * 400
GROWTH_MB = 120  # twelve catch-ups held whole are over 300 MB


@pytest.fixture
def ui(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory()
    ui = Ui(daemon.env, tmp_path / "ui.log")
    ui.log_path = tmp_path / "ui.log"
    yield ui
    ui.stop()


def _add(redis_db, n: int, start: int = 0) -> list[str]:
    ids = []
    pipe = redis_db.pipeline(transaction=False)
    for i in range(start, start + n):
        envelope = {
            "v": 1,
            "event_id": f"e{i}",
            "hook": "PreToolUse",
            "session_id": f"s{i % 7}",
            "host": FAT[:200],
            "model": FAT[:200],
            "risk_reasons": [FAT[:200]] * 5,
            "payload": {"cwd": FAT, "tool_input": {"command": f"step {i} " + FAT}},
        }
        pipe.xadd("hookd:events", {"envelope": json.dumps(envelope), "hook": "PreToolUse"})
    ids = [i.decode() for i in pipe.execute()]
    return ids


def _status(browser: Browser) -> dict:
    code, body = browser.get("/api/status")
    assert code == 200, body
    return json.loads(body)


def _open_stream(ui: Ui, cookie: str, after: str, rcvbuf: int | None = None) -> socket.socket:
    parts = urlsplit(ui.base)
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect((parts.hostname, parts.port))
    head = f"GET {parts.path}/api/stream?after={after} HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: {cookie}\r\n\r\n"
    s.sendall(head.encode())
    return s


def _established(pid: int, port: int) -> int:
    return sum(
        1
        for c in psutil.Process(pid).net_connections()
        if c.status == "ESTABLISHED" and c.laddr and c.laddr.port == port
    )


def test_streams_never_read_hold_no_copy_each_are_dropped_and_said(ui, redis_db):
    browser = Browser(ui)
    ids = _add(redis_db, ENTRIES)
    wait_until(lambda: _status(browser)["read"] >= ENTRIES, timeout=60, what="the UI read the stream")
    proc = psutil.Process(ui.proc.pid)
    before = proc.memory_info().rss

    # A browser that reads: what comes while the others stall reaches it.
    reader = _open_stream(ui, browser.cookie, ids[-1])
    got = bytearray()
    done = threading.Event()

    def read() -> None:
        reader.settimeout(60)
        while not done.is_set() and got.count(b"step ") < LATER:
            chunk = reader.recv(1 << 16)
            if not chunk:
                return
            got.extend(chunk)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()

    port = urlsplit(ui.base).port
    stuck = [_open_stream(ui, browser.cookie, ids[0], rcvbuf=4096) for _ in range(NOT_READING)]
    try:
        wait_until(lambda: _status(browser)["browsers"] >= NOT_READING + 1, what="every stream subscribed")
        later = _add(redis_db, LATER, start=ENTRIES)
        peak = before
        closed = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            peak = max(peak, proc.memory_info().rss)
            if _established(proc.pid, port) <= 1:  # the reader's own
                closed = True
                break
            time.sleep(0.1)
        thread.join(30)
        done.set()
    finally:
        for s in stuck:
            s.close()
        reader.close()
    growth_mb = (peak - before) / 2**20
    print(f"RSS grew {growth_mb:.0f} MB with {NOT_READING} streams never read")
    assert closed, "the streams never read were not closed"
    assert growth_mb < GROWTH_MB, f"{NOT_READING} streams never read took {growth_mb:.0f} MB"
    assert got.count(b"step ") >= LATER, f"the reading browser got {got.count(b'step ')} of {LATER}"
    assert later[-1].encode() in got
    status = _status(browser)
    assert status["not_reading"] >= NOT_READING, status
    log = ui.log_path.read_text()
    assert "ui_connection_not_reading" in log, log[-2000:]
