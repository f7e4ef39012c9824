"""Hundred-twenty-third red-team pass: the HTTP listener's framing (hookd/ingest/http_request.py).

Request smuggling and framing tricks, each sent over a raw socket to a real hookd's listener with the
right token: two Content-Lengths, Content-Length with Transfer-Encoding (either order), obs-fold, a
header name with a space, a chunk size past 64 bits, ten thousand small header fields, a trailer,
Transfer-Encoding on HTTP/1.0. Each is refused (4xx, bad_header, the problem named), counted in the
log, and the next request, on a new connection, is an event.
"""

from __future__ import annotations

import json
import socket

import pytest

from conftest import free_port, log_records, wait_for_entries, wait_until

EVENT = json.dumps({"hook_event_name": "Stop", "session_id": "framed"}).encode()
CHUNKED = b"Transfer-Encoding: chunked\r\n"
BODY = b"%x\r\n%s\r\n0\r\n" % (len(EVENT), EVENT)
CL = b"Content-Length: %d\r\n" % len(EVENT)


@pytest.fixture
def listener(hookd_factory, redis_db):
    port = free_port()
    daemon = hookd_factory(http_addr=f"127.0.0.1:{port}")
    wait_until(lambda: (daemon.state_dir / "http.token").exists(), what="the token")
    return daemon, port, (daemon.state_dir / "http.token").read_text().strip()


def _send(listener, version: bytes, headers: bytes, body: bytes) -> tuple[int, dict]:
    _, port, token = listener
    head = b"POST /hook HTTP/%s\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n" % (version, port, token.encode())
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head + headers + b"\r\n" + body)
        answer = b""
        while not answer.rstrip().endswith(b"}"):
            got = s.recv(65536)
            if not got:
                break
            answer += got
    top, _, rest = answer.partition(b"\r\n\r\n")
    return int(top.split()[1]), json.loads(rest)


CASES = {
    "two Content-Lengths": (b"1.1", CL + CL.replace(b"Length: ", b"Length: 1"), EVENT, 400, "Content-Length"),
    "Content-Length, Transfer-Encoding": (b"1.1", CL + CHUNKED, BODY + b"\r\n", 400, "Transfer-Encoding"),
    "Transfer-Encoding, Content-Length": (b"1.1", CHUNKED + CL, BODY + b"\r\n", 400, "Content-Length"),
    "obs-fold": (b"1.1", b"X-A: a\r\n folded\r\n" + CL, EVENT, 400, "whitespace"),
    "a space in a header name": (b"1.1", b"X A: a\r\n" + CL, EVENT, 400, "header"),
    "a space before the colon": (b"1.1", b"Content-Length : 9\r\n" + CL, EVENT, 400, "header"),
    "a chunk size past 64 bits": (b"1.1", CHUNKED, b"10000000000000002\r\n{}\r\n0\r\n\r\n", 400, "overflow"),
    "ten thousand header fields": (b"1.1", b"X: y\r\n" * 10_000 + CL, EVENT, 431, "more than 100 header fields"),
    "a trailer": (b"1.1", CHUNKED, BODY + b"X-T: 1\r\n\r\n", 400, "trailer"),
    "a trailer naming Content-Length": (b"1.1", CHUNKED, BODY + b"Content-Length: 5\r\n\r\n", 400, "Content-Length"),
    "Transfer-Encoding on HTTP/1.0": (b"1.0", CHUNKED, BODY + b"\r\n", 400, "HTTP/1.0"),
}


@pytest.mark.parametrize("shape", sorted(CASES))
def test_framing_tricks_are_refused_counted_and_the_next_request_goes_through(listener, redis_db, shape):
    daemon = listener[0]
    version, headers, body, status, named = CASES[shape]
    got, answer = _send(listener, version, headers, body)
    assert (got, answer["error"]) == (status, "bad_header"), answer
    assert named in answer["message"], answer
    wait_until(
        lambda: any(
            r.get("event") in ("http_request_refused", "event_rejected") and r.get("reason") == "bad_header"
            for r in log_records(daemon.log_text())
        ),
        what="the refusal counted in the log",
    )
    assert _send(listener, b"1.1", CL, EVENT)[0] == 200
    assert len(wait_for_entries(redis_db, 1)) == 1
