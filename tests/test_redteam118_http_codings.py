"""Hundred-eighteenth red-team pass: a compressed body on the HTTP hook listener.

Claude Code posts plain JSON. A body sent with ``Content-Encoding: gzip|deflate|br`` or
``Transfer-Encoding: gzip, chunked`` was taken as it came (llhttp undoes the chunking, nothing else),
its compressed bytes judged as JSON: refused as ``not_json``, which names the wrong problem. It is now
refused from its head, 415 (a content coding) or 501 (a transfer coding), naming the coding, counted
as an event rejection, its body skipped unread: never decompressed, so a few kilobytes that would
expand to gigabytes cost what any refused body costs. A real hookd, its real listener, raw sockets.
"""

from __future__ import annotations

import gzip
import json
import socket
import zlib

import psutil
import pytest

from conftest import free_port, log_records, wait_for_entries, wait_until

EVENT = json.dumps({"hook_event_name": "Stop", "session_id": "coded"}).encode()


@pytest.fixture
def listener(hookd_factory, redis_db):
    port = free_port()
    daemon = hookd_factory(http_addr=f"127.0.0.1:{port}")
    wait_until(lambda: (daemon.state_dir / "http.token").exists(), what="the token")
    return daemon, port, (daemon.state_dir / "http.token").read_text().strip()


def _post(listener, headers: str, body: bytes, chunked: bool = False) -> tuple[int, dict, bytes]:
    """(status, the JSON answer, the head) for one POST sent as raw bytes."""
    _, port, token = listener
    framing = "" if chunked else f"Content-Length: {len(body)}\r\n"
    head = f"POST /hook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n{framing}{headers}\r\n"
    if chunked:
        body = b"".join(
            b"%x\r\n%s\r\n" % (len(body[i : i + 8192]), body[i : i + 8192]) for i in range(0, len(body), 8192)
        )
        body += b"0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head.encode() + body)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            got = s.recv(65536)
            if not got:
                break
            answer += got
    top, _, rest = answer.partition(b"\r\n\r\n")
    return int(top.split()[1]), json.loads(rest), top


@pytest.mark.parametrize(
    "headers, body, chunked, status, named",
    [
        ("Content-Encoding: gzip\r\n", gzip.compress(EVENT), False, 415, "Content-Encoding gzip"),
        ("Content-Encoding: deflate\r\n", zlib.compress(EVENT), False, 415, "Content-Encoding deflate"),
        ("Content-Encoding: br\r\n", b"\x1b\x2f\x00\xf8", True, 415, "Content-Encoding br"),
        ("Content-Encoding: identity, gzip\r\n", gzip.compress(EVENT), False, 415, "Content-Encoding gzip"),
        ("Transfer-Encoding: gzip, chunked\r\n", gzip.compress(EVENT), True, 501, "Transfer-Encoding gzip"),
    ],
    ids=["gzip", "deflate", "br", "identity-then-gzip", "te-gzip-chunked"],
)
def test_a_compressed_body_is_refused_naming_its_coding(listener, redis_db, headers, body, chunked, status, named):
    daemon = listener[0]
    framing = "Transfer-Encoding: chunked\r\n" if chunked and "Transfer" not in headers else ""
    got, answer, _ = _post(listener, headers + framing, body, chunked)
    assert (got, answer["error"]) == (status, "bad_header"), answer
    assert named in answer["message"] and "uncompressed" in answer["message"]
    rejected = [r for r in log_records(daemon.log_text()) if r.get("event") == "event_rejected"]
    assert [r["reason"] for r in rejected] == ["bad_header"] and named in rejected[0]["detail"]
    # The control: plain JSON, and Content-Encoding identity, are events.
    assert _post(listener, "", EVENT)[0] == 200
    assert _post(listener, "Content-Encoding: identity\r\n", EVENT)[0] == 200
    assert len(wait_for_entries(redis_db, 2)) == 2


@pytest.mark.process  # hookd's own memory, apart from the test's
def test_a_decompression_bomb_is_never_expanded(listener, redis_db):
    """128 MiB of zeros in about 130 KB of gzip, under max_event_bytes as sent: refused from the head
    and skipped; hookd's memory does not grow by what it would have expanded to, and it still serves."""
    daemon = listener[0]
    bomb = gzip.compress(b"\0" * (128 << 20), compresslevel=9)
    proc = psutil.Process(daemon.proc.pid)
    before = proc.memory_info().rss
    got, answer, _ = _post(listener, "Content-Encoding: gzip\r\n", bomb)
    assert got == 415 and "gzip" in answer["message"]
    assert proc.memory_info().rss - before < 64 << 20
    assert _post(listener, "", EVENT)[0] == 200
    assert len(wait_for_entries(redis_db, 1)) == 1
