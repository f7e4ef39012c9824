"""Red team, ninth pass: `hookd ui`'s edges, from another user (uid 65534) and from a browser.

What held is kept as guards: a static file reached past the root, a WebSocket upgrade or the event
stream without the cookie, Host names that are loopback only in appearance, ``Origin: null``, an
absolute request target, each answered without the page's data and with the security headers.
What did not: stopping the UI with a page open (its event stream running, the usual case) waited
out uvicorn's graceful shutdown and logged a traceback (``Exception in ASGI application``,
``CancelledError``) every time; now the streams are ended when the UI stops. And a flood of
connections from another user took every descriptor the UI had, its 256-connection bound
notwithstanding: asyncio accepts as many connections each time the listening socket is ready as
its queue is long (uvicorn's 2,048) before any of them is counted; the log got a line per failed
accept (tens of thousands in seconds) and the owner's requests waited. Now the queue is 64.
"""

from __future__ import annotations

import os
import resource
import socket
import time
from urllib.parse import urlsplit

from other_user import needs_root, run_as_nobody
from test_redteam8_ui_api import Browser
from test_redteam9_http_flood import _flood
from test_ui_live_reader import EventStream

from ui_stack import Ui


def _get(port: int, path: str, headers: str, host: str) -> dict:
    """One raw request (as sent, not normalised by a client): its status line, whether the
    security headers came, and the start of its body."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data or len(data) < 4096:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"text/event-stream" in data:
                break
    head, _, body = data.decode("latin-1").partition("\r\n\r\n")
    lower = head.lower()
    return {
        "status": head.split("\r\n")[0].split(" ")[1],
        "headers": "content-security-policy" in lower and "nosniff" in lower and "x-frame-options: deny" in lower,
        "body": body[:200],
    }


def _probe(port: int, root: str, cookie: str) -> dict:
    here = f"127.0.0.1:{port}"
    ck = f"Cookie: {cookie}\r\n"
    upgrade = "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    asked = {
        "dotdot": (f"{root}/static/../../../../etc/passwd", ck, here),
        "dotdot_encoded": (f"{root}/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd", ck, here),
        "slash_encoded": (f"{root}/static/..%2f..%2f..%2fetc%2fpasswd", ck, here),
        "websocket_without_cookie": (f"{root}/api/stream", upgrade, here),
        "stream_without_cookie": (f"{root}/api/stream", "", here),
        "host_with_dot": (f"{root}/api/status", ck, "localhost."),
        "host_mapped_v4": (f"{root}/api/status", ck, "[::ffff:127.0.0.1]"),
        "host_wildcard_dns": (f"{root}/api/status", ck, "127.0.0.1.nip.io"),
        "origin_null": (f"{root}/api/status", ck + "Origin: null\r\n", here),
        "absolute_target": (f"http://evil.example{root}/api/status", ck, here),
    }
    return {name: _get(port, *how) for name, how in asked.items()}


def test_the_uis_edges_held_against_another_user(hookd, redis_db, tmp_path):
    ui = Ui(hookd.env, tmp_path / "ui.log")
    try:
        browser = Browser(ui)
        parts = urlsplit(browser.base)
        got = run_as_nobody(_probe, parts.port, parts.path, browser.cookie)
    finally:
        ui.stop()
    expected = {
        "dotdot": "404",
        "dotdot_encoded": "404",
        "slash_encoded": "404",
        "websocket_without_cookie": "401",
        "stream_without_cookie": "401",
        "host_with_dot": "421",
        "host_mapped_v4": "421",
        "host_wildcard_dns": "421",
        "origin_null": "403",
        "absolute_target": "404",
    }
    assert {name: answer["status"] for name, answer in got.items()} == expected, got
    assert all(answer["headers"] for answer in got.values()), got
    assert not any("root:" in answer["body"] or '"stream"' in answer["body"] for answer in got.values()), got


def test_stopping_the_ui_with_a_page_open_ends_its_stream_without_a_traceback(hookd, redis_db, tmp_path):
    log = tmp_path / "ui.log"
    ui = Ui(hookd.env, log)
    browser = Browser(ui)
    live = EventStream(browser)
    time.sleep(0.5)  # the stream is being answered
    ui.proc.terminate()
    code = ui.proc.wait(10)
    ui.stop()
    live.close()
    text = log.read_text()
    assert code == 0, code
    # not held by the stream until uvicorn gave up waiting and cancelled it
    assert "Traceback" not in text and "timeout graceful shutdown exceeded" not in text, text[-3000:]


@needs_root
def test_a_flood_of_connections_from_another_user_leaves_the_ui_descriptors(hookd, redis_db, tmp_path):
    log = tmp_path / "ui.log"
    ui = Ui(hookd.env, log)
    answers, most_fds = [], 0
    try:
        browser = Browser(ui)
        resource.prlimit(ui.proc.pid, resource.RLIMIT_NOFILE, (1024, 1024))  # a user service's
        pid = _flood(urlsplit(browser.base).port, 5.0)
        try:
            end = time.monotonic() + 5.0
            while time.monotonic() < end:
                most_fds = max(most_fds, len(os.listdir(f"/proc/{ui.proc.pid}/fd")))
                try:
                    answers.append(browser.get("/api/status")[0])
                except OSError:  # reset before its head was read (the fourth pass's Left item)
                    answers.append(0)
        finally:
            os.waitpid(pid, 0)
    finally:
        ui.stop()
    text = log.read_text()
    assert "Too many open files" not in text and "out of system resource" not in text, text[-2000:]
    assert "ui_connections_full" in text  # the flood reached the bound
    assert 200 in answers and set(answers) <= {200, 0}, answers
    assert most_fds < 768, most_fds
