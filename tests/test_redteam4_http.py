"""Red team, fourth pass: another local user (nobody) filling the HTTP listener's connection places.

HTTP hooks have no inbox: an event Claude Code posts that hookd answers 503 is lost. Anyone on
the machine can connect before the token is known, and past 256 connections the listener
answered every new one 503: another user who kept 256 connections open (idle, a head a byte at
a time, or keep-alive after a 401, reconnecting as each was closed) had every one of the
owner's events refused. Now a connection that has not shown the token is closed to make room
for a new one (the one that has waited longest first); one that has shown it keeps its place.
"""

from __future__ import annotations

import json
import os
import socket
import time

import pytest

from conftest import free_port, wait_for_entries, wait_until
from other_user import _become_nobody, needs_root

HOLD = 300  # past MAX_CONNECTIONS (256)


def _hold_as_nobody(port: int, how: str):
    """Fork a child that, as nobody, holds HOLD connections open (``how``: idle, trickle, after_401);
    returns (pid, how many it holds, the pipe that stops it)."""
    ready_r, ready_w = os.pipe()
    stop_r, stop_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        os.close(stop_w)
        try:
            _become_nobody()
            held = []
            for _ in range(HOLD):
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=2)
                except OSError:
                    break
                if how == "trickle":
                    s.sendall(b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
                elif how == "after_401":
                    s.sendall(b"GET /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
                held.append(s)
            os.write(ready_w, str(len(held)).encode())
            os.read(stop_r, 1)
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(stop_r)
    count = int(os.read(ready_r, 100) or b"0")
    os.close(ready_r)
    return pid, count, stop_w


def _post(port: int, token: str, session: str) -> int:
    body = json.dumps({"hook_event_name": "Stop", "session_id": session}).encode()
    head = (
        f"POST /hook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\n"
    ).encode()
    line = _answer(port, head, body)
    return int(line.split()[1]) if line else 0


def _answer(port: int, head: bytes, body: bytes) -> bytes:
    """One request (``head``, its Content-Length and ``body``) on its own connection -> its status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.partition(b"\r\n")[0]


@pytest.mark.process
@needs_root
@pytest.mark.parametrize("how", ["idle", "trickle", "after_401"])
def test_another_user_holding_every_connection_place_does_not_lose_the_owners_http_events(hookd_factory, redis_db, how):
    port = free_port()
    # A long client timeout, so that nothing of the other user's is closed for being slow
    # while the owner posts: only making room may free a place.
    daemon = hookd_factory(http_addr=f"127.0.0.1:{port}", client_timeout_s="60")
    wait_until(lambda: (daemon.state_dir / "http.token").exists(), what="the token")
    token = (daemon.state_dir / "http.token").read_text().strip()
    pid, count, stop_w = _hold_as_nobody(port, how)
    try:
        assert count >= 256, count  # every place is taken (those past it were answered 503)
        time.sleep(0.3)
        statuses = [_post(port, token, f"owner-{how}-{i}") for i in range(5)]
        assert statuses == [200] * 5, statuses
        entries = wait_for_entries(redis_db, 5, timeout=60)
        assert all(f"owner-{how}".encode() in e[b"envelope"] for e in entries)
        assert "connections_full" in daemon.log_text()
    finally:
        os.write(stop_w, b"x")
        os.waitpid(pid, 0)
    assert daemon.proc.poll() is None


@pytest.mark.process
@needs_root
def test_the_owners_tokened_connections_keep_their_places(hookd_factory, redis_db):
    """Making room closes only connections that never showed the token: the owner's keep-alive
    connections, past the limit, are not closed for another user's new ones."""
    port = free_port()
    daemon = hookd_factory(http_addr=f"127.0.0.1:{port}", client_timeout_s="60")
    wait_until(lambda: (daemon.state_dir / "http.token").exists(), what="the token")
    token = (daemon.state_dir / "http.token").read_text().strip()
    body = json.dumps({"hook_event_name": "Stop", "session_id": "kept"}).encode()
    request = (
        f"POST /hook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    mine = []
    for _ in range(256):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(request)
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        mine.append(s)
    pid, count, stop_w = _hold_as_nobody(port, "idle")
    try:
        time.sleep(0.3)
        for s in mine:  # each of the owner's connections still serves a request
            s.sendall(request)
            assert s.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        os.write(stop_w, b"x")
        os.waitpid(pid, 0)
        for s in mine:
            s.close()


# ---------------------------------------------------------------- a trailer that never ends

TRAILER_CONNECTIONS = 8
TRAILER_BYTES = 16 << 20  # each connection's, at most


def _endless_trailers_as_nobody(port: int, result_w: int) -> None:
    """As nobody, without the token: TRAILER_CONNECTIONS chunked requests whose body ends at once
    and whose one trailer field then never ends; writes how many bytes were sent in all."""
    import threading

    sent = [0] * TRAILER_CONNECTIONS

    def one(i: int) -> None:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: ")
            piece = b"a" * 65536
            while sent[i] < TRAILER_BYTES:
                s.sendall(piece)
                sent[i] += len(piece)
        except OSError:
            pass  # the server closed it: what the test wants

    threads = [threading.Thread(target=one, args=(i,)) for i in range(TRAILER_CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    os.write(result_w, str(sum(sent)).encode())


@pytest.mark.process
@needs_root
def test_a_trailer_that_never_ends_is_cut_off_like_a_header(hookd_factory, redis_db):
    """httptools keeps a header field to itself, growing it by concatenation, until it ends; the
    head was counted by the piece while it arrived, but a chunked body's trailers come after the
    head and were not counted: another user, without the token, made hookd hold (and copy over
    and over) every byte of a trailer that never ended, on each of 256 connections."""
    import psutil

    port = free_port()
    daemon = hookd_factory(http_addr=f"127.0.0.1:{port}", client_timeout_s="30")
    proc = psutil.Process(daemon.proc.pid)
    before = proc.memory_info().rss
    result_r, result_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(result_r)
            _become_nobody()
            _endless_trailers_as_nobody(port, result_w)
        finally:
            os._exit(0)
    os.close(result_w)
    peak = before
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        peak = max(peak, proc.memory_info().rss)
        time.sleep(0.02)
    sent = int(os.read(result_r, 100) or b"0")
    os.close(result_r)
    grew = (peak - before) >> 20
    assert grew < 48, f"hookd grew by {grew} MiB for {TRAILER_CONNECTIONS} trailers ({sent >> 20} MiB sent)"
    assert sent < TRAILER_CONNECTIONS * TRAILER_BYTES, "hookd read every trailer byte sent"
    assert daemon.request(b'HOOKD/1 27\n{"hook_event_name": "Stop"}').startswith(b"OK")
    assert "bad_header" in daemon.log_text() or "http_request_refused" in daemon.log_text()


def test_a_chunked_post_in_small_chunks_is_still_taken(hookd_factory, redis_db):
    """The control: the framing allowed grows with the chunks, so a body sent a few bytes per
    chunk, with extensions, is an event like any other (trailer fields are refused since the
    hundred-twenty-third pass: tests/test_redteam123_http_framing.py)."""
    port = free_port()
    daemon = hookd_factory(http_addr=f"127.0.0.1:{port}")
    wait_until(lambda: (daemon.state_dir / "http.token").exists(), what="the token")
    token = (daemon.state_dir / "http.token").read_text().strip()
    body = json.dumps({"hook_event_name": "Stop", "session_id": "chunked", "pad": "p" * 20000}).encode()
    chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(body[i : i + 3]), body[i : i + 3]) for i in range(0, len(body), 3))
    head = (
        f"POST /hook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head + chunks + b"0\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200"), "a chunked post was refused"
    assert b"chunked" in wait_for_entries(redis_db, 1)[0][b"envelope"]
