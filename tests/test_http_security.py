"""The HTTP listener as an attacker on this machine (or a web page in its browser) meets it.

A matrix of token (missing, wrong, short, long, another scheme, valid) x body
(small, over the limit) x Host (loopback names, another name, none): the token
is judged first (401 before 413 or 421), then Host (421), then the size (413);
no answer carries a CORS header; counts are exact while the log stays short.
"""

from __future__ import annotations

import itertools
import json
import socket

import pytest

from conftest import free_port, log_records, wait_until
from hookd.control.client import request
from hookd.peers import Throttle

MAX_BODY = 1024
BODY = b'{"hook_event_name": "Stop", "session_id": "matrix"}'


@pytest.fixture(scope="module")
def http_daemon(tmp_path_factory, redis_server):
    from conftest import Hookd

    daemon = Hookd(
        tmp_path_factory.mktemp("httpsec"),
        redis_server.url,
        http_addr=f"127.0.0.1:{free_port()}",
        max_event_bytes=str(MAX_BODY),
    )
    daemon.start()
    daemon.port = int(daemon.env["HOOKD_HTTP_ADDR"].rpartition(":")[2])
    wait_until(lambda: (daemon.state_dir / "http.token").exists(), what="the token")
    daemon.token = (daemon.state_dir / "http.token").read_text().strip()
    yield daemon
    daemon.stop()


def exchange(port: int, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection -> (status, headers in lower case, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head_part, _, rest = data.partition(b"\r\n\r\n")
        lines = head_part.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
    return int(lines[0].split()[1]), headers, rest


def head(
    port: int, authorization: str | None, host: str | None, length: int, method: str = "POST", extra: str = ""
) -> bytes:
    lines = [f"{method} /hook HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host}".replace("PORT", str(port)))
    if authorization is not None:
        lines.append(f"Authorization: {authorization}")
    lines += [f"Content-Length: {length}", "Content-Type: application/json"]
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


TOKENS = ["missing", "wrong", "short", "long", "basic", "valid"]
SIZES = ["small", "oversize"]
HOSTS = {
    "127.0.0.1:PORT": True,
    "localhost": True,
    "[::1]:PORT": True,
    "evil.example": False,
    "127.0.0.1.evil.example:PORT": False,
    None: False,
}


def authorization(kind: str, token: str) -> str | None:
    return {
        "missing": None,
        "wrong": "Bearer " + "w" * len(token),
        "short": "Bearer x",
        "long": "Bearer " + "y" * 10_000,
        "basic": f"Basic {token}",
        "valid": f"Bearer {token}",
    }[kind]


def test_the_matrix_token_first_then_host_then_size_and_never_cors(http_daemon, redis_db):
    before = request(str(http_daemon.socket.parent / "control.sock"), "status")
    expected_counts = {"unauthorized": 0, "misdirected": 0}
    ok = too_large = 0
    for token_kind, size, (host, good_host) in itertools.product(TOKENS, SIZES, HOSTS.items()):
        length = len(BODY) if size == "small" else 50 * MAX_BODY
        body = BODY if size == "small" else b"{" + b"x" * 100  # the rest never needs to come
        status, headers, answer = exchange(
            http_daemon.port, head(http_daemon.port, authorization(token_kind, http_daemon.token), host, length), body
        )
        case = (token_kind, size, host)
        assert not [h for h in headers if h.startswith("access-control-")], case
        if token_kind != "valid":
            assert status == 401, case  # before the size and the Host are looked at
            assert headers["www-authenticate"] == "Bearer"
            assert json.loads(answer)["error"] == "unauthorized"
            expected_counts["unauthorized"] += 1
        elif not good_host:
            assert status == 421, case
            assert json.loads(answer)["error"] == "misdirected"
            expected_counts["misdirected"] += 1
        elif size == "oversize":
            assert status == 413, case
            too_large += 1
        else:
            assert (status, answer) == (200, b"{}"), case
            ok += 1
    assert (ok, too_large) == (3, 3)
    wait_until(lambda: redis_db.xlen("hookd:events") >= ok, what="the accepted events")
    status = request(str(http_daemon.socket.parent / "control.sock"), "status")
    refused = status["http"]["refused"]
    for reason, count in expected_counts.items():
        assert refused.get(reason, 0) - before["http"]["refused"].get(reason, 0) == count, reason
    assert (
        status["counters"]["rejected"].get("too_large", 0) - before["counters"]["rejected"].get("too_large", 0)
        == too_large
    )
    assert redis_db.xlen("hookd:events") == ok
    log = http_daemon.log_text()
    assert http_daemon.token not in log and "y" * 100 not in log


def test_a_preflight_and_a_web_page_are_refused_without_cors(http_daemon):
    preflight = (
        "OPTIONS /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
        "Access-Control-Request-Method: POST\r\n"
        "Access-Control-Request-Headers: authorization\r\n\r\n"
    ).encode()
    status, headers, _ = exchange(http_daemon.port, preflight)
    assert status == 401 and not [h for h in headers if h.startswith("access-control-")]
    page = head(
        http_daemon.port,
        f"Bearer {http_daemon.token}",
        "localhost",
        len(BODY),
        extra="Origin: http://localhost:3000\r\n",
    )
    status, headers, answer = exchange(http_daemon.port, page, BODY)
    assert status == 403 and json.loads(answer)["error"] == "forbidden_origin"
    assert not [h for h in headers if h.startswith("access-control-")]


def test_a_flood_of_bad_requests_is_counted_exactly_and_logged_once_per_reason(http_daemon):
    before = request(str(http_daemon.socket.parent / "control.sock"), "status")["http"]["refused"]
    lines_before = len(log_records(http_daemon.log_text()))
    for _ in range(200):
        assert exchange(http_daemon.port, b"GARBAGE / NOPE\r\n\r\n")[0] == 400
        assert exchange(http_daemon.port, head(http_daemon.port, None, "localhost", 2), b"{}")[0] == 401
    refused = request(str(http_daemon.socket.parent / "control.sock"), "status")["http"]["refused"]
    assert refused["bad_header"] - before.get("bad_header", 0) == 200
    assert refused["unauthorized"] - before.get("unauthorized", 0) == 200
    new = [r for r in log_records(http_daemon.log_text())[lines_before:] if r.get("event") == "http_request_refused"]
    # One line per reason per interval: the earlier tests' lines may hold this interval's slot.
    assert len(new) <= 2, new
    assert not [r for r in log_records(http_daemon.log_text())[lines_before:] if r.get("event") == "event_rejected"]


def test_the_throttle_writes_one_line_per_interval_carrying_the_count():
    now = [0.0]
    throttle = Throttle(10.0, clock=lambda: now[0])
    got = []
    for t in range(0, 35):
        now[0] = t * 1.0
        for _ in range(3):
            got.append((t, throttle.ready("bad")))
    lines = [(t, n) for t, n in got if n is not None]
    # first at once; then every 10 s, each line standing for all it held back (itself included)
    assert lines == [(0, 1), (10, 30), (20, 30), (30, 30)]
    assert throttle.ready("other") == 1


def test_which_host_headers_name_this_listener():
    from hookd.ingest.http_setup import allowed_hosts, host_of

    loopback = [
        b"localhost",
        b"LOCALHOST:8787",
        b"localhost.",
        b"127.0.0.1",
        b"127.0.0.1:80",
        b"127.9.9.9:1",
        b"[::1]",
        b"[::1]:8787",
    ]
    assert all(host_of(v, loopback_only=True) for v in loopback)
    others = [
        b"evil.example",
        b"127.0.0.1.evil.example",
        b"localhost.evil.example:80",
        b"[::1]x",
        b"::1",
        b"0.0.0.0",
        b"10.0.0.1:8787",
        b"",
        b"localhost:80:80",
    ]
    assert not any(host_of(v, loopback_only=True) for v in others)
    assert allowed_hosts("127.0.0.1:8787", False, "box.lan") == frozenset()  # only when public
    assert allowed_hosts("0.0.0.0:8787", True, "Box.LAN, other.") == {"box.lan", "other"}
    assert allowed_hosts("192.168.1.5:8787", True) == {"192.168.1.5"}
    assert host_of(b"BOX.lan:8787") in allowed_hosts("0.0.0.0:8787", True, "box.lan")
