"""Red team, fifty-fifth pass: a fuzz of the daemon's inputs (docs/security.md, "Fifty-fifth").

Each case runs against a real daemon (real sockets, a real redis-server) and then asks what
invariant 4 asks: the daemon still answers, the next good event reaches the stream, and the
refusal is counted and said. The fuzz is Hypothesis with a fixed, derandomized seed; the
longer run is bench/fuzz_inputs.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, log_records, wait_for_entries, wait_until
from hookd.control.client import request

GOOD = b'{"hook_event_name":"Stop","session_id":"s-good"}'


def _frame(body: bytes, header: bytes | None = None) -> bytes:
    return (header if header is not None else b"HOOKD/1 %d" % len(body)) + b"\n" + body


def _control(daemon) -> str:
    return str(daemon.socket.parent / "control.sock")


def _status(daemon) -> dict:
    return request(_control(daemon), "status")


def _exchange(path: str, pieces: list[bytes], half_close: bool = True) -> bytes:
    """Send ``pieces`` on one connection to the socket at ``path``; everything it answers."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(15)
        s.connect(path)
        try:  # a refusal that closes the connection may come before the last piece is sent
            for piece in pieces:
                s.sendall(piece)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except BrokenPipeError:
            pass
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
        return b"".join(chunks)


def _ask(daemon, data: bytes) -> bytes:
    return _exchange(_control(daemon), [data])


def _next_event_goes_through(daemon, redis_db, seen: int) -> int:
    assert daemon.request(_frame(GOOD)).startswith(b"OK "), "the next good event was not taken"
    wait_for_entries(redis_db, seen + 1)
    return seen + 1


def _records(daemon, event: str) -> list[dict]:
    return [r for r in log_records(daemon.log_text()) if r.get("event") == event]


# -- the control socket --------------------------------------------------------


def test_a_control_request_over_the_limit_is_answered_counted_and_logged_once(hookd, redis_db):
    """A request line longer than StreamReader's limit made readline raise ValueError, which the
    handler logged with log.exception: a traceback in the log for every such request (20 requests,
    20 tracebacks), the connection closed with no answer, nothing counted in status."""
    for _ in range(20):
        answer = _ask(hookd, b"status" + b"x" * (70 << 10))
        assert b"request over" in answer, answer[:200]
    counters = _status(hookd)["counters"]
    assert counters["control_refused"] == {"too_long": 20}
    assert not _records(hookd, "control_request_failed")
    (line,) = _records(hookd, "control_request_refused")
    assert line["reason"] == "too_long" and line["count"] == 1
    _next_event_goes_through(hookd, redis_db, 0)


def test_unknown_control_requests_are_counted_and_logged_once(hookd, redis_db):
    """An unknown command was answered with an error, and neither counted nor said."""
    for garbage in [b"\x00\xff\n", b"STATUS\n", b"status please\n", b"\x1b[2J\n", b"ping ping\n"] * 10:
        assert b"unknown command" in _ask(hookd, garbage)
    assert _status(hookd)["counters"]["control_refused"] == {"unknown_command": 50}
    (line,) = _records(hookd, "control_request_refused")
    assert line["reason"] == "unknown_command"
    _next_event_goes_through(hookd, redis_db, 0)


def test_a_control_request_never_finished_is_closed_and_counted(hookd, redis_db):
    """A client that sends part of a line and waits was closed after REQUEST_TIMEOUT_S, silently."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(_control(hookd))
        s.sendall(b"sta")
        assert s.recv(100) == b""  # closed by the daemon at its deadline, no answer
    assert _status(hookd)["counters"]["control_refused"] == {"unfinished": 1}
    (line,) = _records(hookd, "control_request_refused")
    assert line["reason"] == "unfinished"


def test_a_connection_closed_before_a_byte_is_no_refusal(hookd):
    """Another hookd's start probes the socket so: connect, close. Not counted, not said."""
    for _ in range(5):
        assert _ask(hookd, b"") == b""
    assert _status(hookd)["counters"]["control_refused"] == {}
    assert not _records(hookd, "control_request_refused")


def test_the_refusals_show_in_hookd_status(hookd):
    _ask(hookd, b"nope\n")
    shown = subprocess.run(
        [sys.executable, "-m", "hookd", "status"], env=hookd.env, capture_output=True, text=True, cwd=REPO, timeout=30
    )
    assert "control unknown_command 1" in shown.stdout, shown.stdout + shown.stderr


# -- the event socket: a Hypothesis fuzz of frames -----------------------------

_LENGTHS = st.one_of(
    st.sampled_from([b"-1", b"-", b"", b"0", b"+5", b" 5", b"0x10", b"1e3", b"9" * 19, b"9" * 18, b"\xff", b"\x00"]),
    st.integers(0, 200).map(lambda n: b"%d" % n),
)
_ITEMS = st.lists(
    st.one_of(
        st.sampled_from(
            [b"id=", b"id=" + b"a" * 65, b"hook=Stop", b"hook=\x1b[2J", b"pid=-1", b"sent=x", b"=", b"X=1"]
        ),
        st.binary(max_size=12).filter(lambda b: b"\n" not in b),
    ),
    max_size=4,
)
_BODIES = st.one_of(
    st.just(GOOD),
    st.binary(max_size=120),
    st.sampled_from([b"[" * 5000, b"{}", b'{"hook_event_name":1}', b"\xef\xbb\xbf{}", b"null", b'"x"']),
)


@st.composite
def _connections(draw) -> tuple[list[bytes], bool]:
    """One connection's bytes: frames with mutated headers and bodies, pipelined, cut into pieces."""
    frames = []
    for _ in range(draw(st.integers(1, 4))):
        body = draw(_BODIES)
        if draw(st.booleans()):
            header = b"HOOKD/1 %d" % len(body)
        else:
            magic = draw(st.sampled_from([b"HOOKD/1", b"HOOKD/2", b"hookd/1", b"", b"HOOKD/1\r"]))
            header = b" ".join([magic, draw(_LENGTHS), *draw(_ITEMS)])
        frames.append(_frame(body, header))
    data = b"".join(frames)
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=6)))
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)]) if b > a]
    return pieces, draw(st.booleans())


@pytest.fixture
def quick_hookd(hookd_factory, redis_db):
    """client_timeout_s short, so that a connection left open mid-frame ends soon."""
    return hookd_factory(client_timeout_s="0.3")


@settings(
    derandomize=True,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(connection=_connections())
def test_fuzzed_frames_never_stop_the_daemon_and_every_one_is_counted(quick_hookd, redis_db, connection):
    pieces, half_close = connection
    before = _status(quick_hookd)["counters"]
    answer = _exchange(str(quick_hookd.socket), pieces, half_close)
    assert all(line.startswith((b"OK", b"ERR ")) for line in answer.splitlines()), answer[:300]
    lines = answer.splitlines()
    assert lines, "bytes were sent and nothing was answered"
    after = _status(quick_hookd)["counters"]
    # Every frame answered OK was taken; every ERR line was counted under its reason, and received
    # (framing refusals too since the sixty-first pass; a hand-off repeat dropped is received alone).
    assert after["accepted"] - before["accepted"] == sum(line.startswith(b"OK ") for line in lines)
    refusals = sum(after["rejected"].values()) - sum(before["rejected"].values())
    assert sum(line.startswith(b"ERR ") for line in lines) <= refusals, (answer, before, after)
    assert after["received"] - before["received"] <= after["accepted"] - before["accepted"] + refusals
    seen = len(redis_db.xrange("hookd:events"))
    assert quick_hookd.request(_frame(GOOD)).startswith(b"OK "), "the next good event was not taken"
    wait_until(lambda: len(redis_db.xrange("hookd:events")) > seen, what="the good event in the stream")


def test_fuzz_refusals_are_logged_at_a_bounded_rate(quick_hookd):
    """1,000 refused frames on one connection and 200 connections of garbage: a few log lines."""
    quick_hookd.request(_frame(b"[]") * 1000)
    for _ in range(200):
        quick_hookd.request(b"HOOKD/1 -5\n")
    counters = _status(quick_hookd)["counters"]
    assert counters["rejected"] == {"not_object": 1000, "bad_header": 200}
    assert len(_records(quick_hookd, "event_rejected")) <= 40
