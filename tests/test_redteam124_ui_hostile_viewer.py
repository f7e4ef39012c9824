"""Hundred-twenty-fourth red-team pass: `hookd ui` asked by another local user and by a hostile page.

Every answer carries the headers that keep it inert (CSP with frame-ancestors, nosniff, no referrer),
the ones the app never sees included: a request h11 cannot parse was answered by uvicorn itself,
without them, and each logged a line of its own, without a bound, by anyone who can reach the port."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from test_redteam7_ui import _status
from test_redteam8_ui_api import Browser

from conftest import wait_until
from ui_stack import Ui

NEEDED = ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options")


def _raw(ui: Ui, request: bytes) -> tuple[int, dict[str, str]]:
    """The status and headers of the answer to ``request`` as sent, byte for byte."""
    parts = urlsplit(ui.origin)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as conn:
        conn.sendall(request)
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = conn.recv(65536)
            if not chunk:
                break
            got += chunk
    head = got.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(head[0].split()[1]), headers


def test_every_answer_carries_the_security_headers(hookd, redis_db, tmp_path):
    ui = Ui(hookd.env, tmp_path / "ui.log", history=10)
    try:
        wait_until(lambda: _status(ui)["read"] is not None, timeout=30, what="the UI to answer")
        client = Browser(ui)
        root = urlsplit(ui.base).path
        host = urlsplit(ui.origin).netloc.encode()
        cookie = client.cookie.encode()

        def get(path: bytes, *extra: bytes) -> bytes:
            return b"GET " + path + b" HTTP/1.1\r\n" + b"".join(line + b"\r\n" for line in extra) + b"\r\n"

        asked = {
            "ok": get(root.encode() + b"/api/status", b"Host: " + host, b"Cookie: " + cookie),
            "rebound Host": get(root.encode() + b"/", b"Host: attacker.example"),
            "two Hosts": get(root.encode() + b"/", b"Host: " + host, b"Host: " + host),
            "other origin": get(root.encode() + b"/api/stream", b"Host: " + host, b"Origin: http://evil.example"),
            "another port's page": get(
                root.encode() + b"/api/stream", b"Host: " + host, b"Origin: http://" + host + b"1"
            ),
            "no root": get(b"/api/status", b"Host: " + host),
            "no cookie": get(root.encode() + b"/api/status", b"Host: " + host),
            "redirect": get(root.encode(), b"Host: " + host),
            "used token": get(root.encode() + b"/?token=x", b"Host: " + host),
            "POST": b"POST "
            + root.encode()
            + b"/api/sessions HTTP/1.1\r\nHost: "
            + host
            + b"\r\nCookie: "
            + cookie
            + b"\r\nContent-Length: 0\r\n\r\n",
            "bad id": get(root.encode() + b"/api/envelope/x", b"Host: " + host, b"Cookie: " + cookie),
            "no file": get(root.encode() + b"/static/none.js", b"Host: " + host, b"Cookie: " + cookie),
            "not HTTP": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",  # a TLS hello
            "bad header": b"GET / HTTP/1.1\r\nHost: " + host + b"\r\nno colon here\r\n\r\n",
            "bad request line": b"GET /a b c HTTP/1.1\r\nHost: " + host + b"\r\n\r\n",
        }
        missing = {}
        for what, request in asked.items():
            status, headers = _raw(ui, request)
            lacking = [name for name in NEEDED if name not in headers]
            if lacking:
                missing[what] = (status, lacking)
            else:
                assert "frame-ancestors 'none'" in headers["content-security-policy"], what
                assert (headers["x-content-type-options"], headers["referrer-policy"]) == ("nosniff", "no-referrer")
        assert missing == {}
    finally:
        ui.stop()


def test_requests_that_are_not_the_uis_are_said_in_counted_lines(hookd, redis_db, tmp_path):
    # A web page may open a WebSocket to any port (no same-origin rule holds it), and anyone on the host
    # may send what is not HTTP: uvicorn wrote a warning per request (two per WebSocket), without bound.
    log_path = tmp_path / "ui.log"
    ui = Ui(hookd.env, log_path, history=10)
    try:
        wait_until(lambda: _status(ui)["read"] is not None, timeout=30, what="the UI to answer")
        root = urlsplit(ui.base).path.encode()
        host = urlsplit(ui.origin).netloc.encode()
        socket_ask = (
            b"GET " + root + b"/api/stream HTTP/1.1\r\nHost: " + host + b"\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nOrigin: http://evil.example\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        for _ in range(40):
            assert _raw(ui, b"GET /a b c HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")[0] == 400
            assert _raw(ui, socket_ask)[0] == 403
        assert _status(ui)["read"] is not None  # still answering
    finally:
        ui.stop()
    lines = log_path.read_text().splitlines()
    said = [line for line in lines if "Invalid HTTP" in line or "upgrade" in line.lower()]
    # One line per kind and ten seconds, each counting the requests it stands for.
    assert len(said) <= 12, said[:5]
    assert any('"ui_peer_request_refused"' in line and "Invalid HTTP" in line for line in lines), lines[:5]
