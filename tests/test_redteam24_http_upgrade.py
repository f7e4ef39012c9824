"""Twenty-fourth red-team pass: a request that asks for a protocol upgrade gets one answer.

llhttp hands everything after the head of a request that asks to upgrade (``Connection:
Upgrade`` with ``Upgrade: websocket`` or ``h2c``, or any ``CONNECT``) to the caller as the new
protocol's bytes: the request ends at its head. hookd answered that bodiless request first (a
tokened POST's as an event whose body is empty: ``400 empty``, counted among rejected events;
a CONNECT's as ``404``; a stranger's as ``401``, connection kept), and then the upgrade itself
(``400 bad_header``): two answers to one request, the first on a connection it then closed, and
an event rejection for an event that was never sent. The upgrade is now refused as the head
arrives (after the token, which is judged first), with one answer, and the connection closed.
"""

from __future__ import annotations

import socket

import pytest

from conftest import free_port, wait_until
from hookd.control.client import request

BODY = b'{"hook_event_name": "Stop", "session_id": "upgrade"}'
MAX_BODY = 1024


@pytest.fixture(scope="module")
def http_daemon(tmp_path_factory, redis_server):
    from conftest import Hookd

    daemon = Hookd(
        tmp_path_factory.mktemp("upgrade"),
        redis_server.url,
        http_addr=f"127.0.0.1:{free_port()}",
        max_event_bytes=str(MAX_BODY),
        client_timeout_s="1",
    )
    daemon.start()
    daemon.port = int(daemon.env["HOOKD_HTTP_ADDR"].rpartition(":")[2])
    wait_until(lambda: (daemon.state_dir / "http.token").exists(), what="the token")
    daemon.token = (daemon.state_dir / "http.token").read_text().strip()
    yield daemon
    daemon.stop()


def _everything(port: int, data: bytes) -> bytes:
    """All the daemon answers on one connection, up to its close."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def _status(daemon) -> dict:
    return request(str(daemon.socket.parent / "control.sock"), "status")


@pytest.mark.parametrize(
    "first_line, upgrade, token, status",
    [
        ("POST /hook", "Connection: Upgrade\r\nUpgrade: websocket\r\n", True, 400),
        (
            "POST /hook",
            "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n",
            True,
            400,
        ),
        ("CONNECT 127.0.0.1:6379", "", True, 404),
        ("POST /hook", "Connection: Upgrade\r\nUpgrade: websocket\r\n", False, 401),
    ],
    ids=["websocket", "h2c", "connect", "websocket_without_token"],
)
def test_an_upgrade_request_gets_one_answer_and_no_event_rejection(http_daemon, first_line, upgrade, token, status):
    before = _status(http_daemon)
    auth = f"Authorization: Bearer {http_daemon.token}\r\n" if token else ""
    head = (
        f"{first_line} HTTP/1.1\r\nHost: 127.0.0.1:{http_daemon.port}\r\n{auth}{upgrade}"
        f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n"
    ).encode()
    answer = _everything(http_daemon.port, head + BODY)
    # One request, one answer (the code before sent two: the bodiless request's, then the upgrade's).
    assert answer.count(b"HTTP/1.1 ") == 1, answer
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer
    if status == 400:
        assert b'"error":"bad_header"' in answer, answer
        assert b"upgrade" in answer.lower(), answer
    # The connection closes after it, and the answer says so.
    assert b"\r\nConnection: close\r\n" in answer and b"Keep-Alive" not in answer, answer
    after = _status(http_daemon)
    # No event was sent, so none was rejected as empty (the code before counted one).
    assert after["counters"]["rejected"].get("empty", 0) == before["counters"]["rejected"].get("empty", 0)


@pytest.mark.parametrize(
    "path, token, status",
    [("/hook", False, 401), ("/nowhere", True, 404), ("/hook/%00", True, 404)],
    ids=["stranger", "tokened_wrong_path", "tokened_bad_name"],
)
def test_a_refusal_that_closes_says_so(http_daemon, path, token, status):
    """A refusal decided from the head, of a request whose body is over the limit, is sent at once
    and the connection closed: its head said Keep-Alive on the code before, and a client that
    keeps connections (Node's, Claude Code's) would send its next hook into the closed one."""
    auth = f"Authorization: Bearer {http_daemon.token}\r\n" if token else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{http_daemon.port}\r\n{auth}Content-Length: {MAX_BODY * 4}\r\n\r\n"
    ).encode()
    answer = _everything(http_daemon.port, head + b"x" * MAX_BODY)
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer
    assert answer.count(b"HTTP/1.1 ") == 1, answer
    assert b"\r\nConnection: close\r\n" in answer and b"Keep-Alive" not in answer, answer


def test_a_refused_request_cut_off_at_its_deadline_says_the_connection_closes(http_daemon):
    """A stranger's request whose body never arrives whole: its refusal (decided from the head) goes
    at client_timeout_s and the connection closes; on the code before, that answer said Keep-Alive."""
    head = f"POST /hook HTTP/1.1\r\nHost: 127.0.0.1:{http_daemon.port}\r\nContent-Length: 100\r\n\r\n".encode()
    answer = _everything(http_daemon.port, head + b"{" * 10)
    assert answer.startswith(b"HTTP/1.1 401 "), answer
    assert answer.count(b"HTTP/1.1 ") == 1, answer
    assert b"\r\nConnection: close\r\n" in answer and b"Keep-Alive" not in answer, answer
