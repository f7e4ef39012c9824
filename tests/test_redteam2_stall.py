"""Red team, second pass: peers that send and never read what hookd answers, on a real `hookd run`.

A peer that pipelines requests and never reads the answers made hookd buffer them without
end: over HTTP anyone who can reach the port, token or not (a 401 each), took its memory from
63 MB to 875 MB in 22 s. Now reading stops while the unread answers fill the transport's
buffer, and a connection closed with answers still unread is cut off after client_timeout_s.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest

from conftest import free_port, log_records, wait_for_entries, wait_until
from other_user import needs_root, run_as_nobody

pytestmark = pytest.mark.process
TIMEOUT_S = 1  # client_timeout_s: how long a peer that stopped reading keeps its connection
LIMIT = 48 << 20  # more memory than this for one peer's unread answers is no bound
MAX_SENT = 40 << 20


def rss(pid: int) -> int:
    return psutil.Process(pid).memory_info().rss


def flood(connect, chunk: bytes, seconds: float = 20) -> dict:
    """Send ``chunk`` again and again, never reading, until the sends block for 2 s or fail
    (hookd stopped reading, or cut the connection), MAX_SENT bytes or ``seconds`` -> what
    happened, then whether hookd cut the connection within a few client timeouts."""
    sock = connect()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(2)
    sent, blocked, start = 0, False, time.monotonic()
    try:
        while sent < MAX_SENT and time.monotonic() - start < seconds:
            sock.sendall(chunk)
            sent += len(chunk)
    except TimeoutError:
        blocked = True
    except OSError:  # reset: hookd cut a peer that had stopped reading
        blocked = True
    cut = False
    sock.settimeout(0.5)
    deadline = time.monotonic() + 4 * TIMEOUT_S + 5
    while time.monotonic() < deadline:  # hookd gives up on a peer that stopped reading
        try:
            if not sock.recv(1 << 20):
                cut = True
                break
        except TimeoutError:
            continue
        except OSError:  # reset: hookd aborted the connection
            cut = True
            break
    sock.close()
    return {"sent": sent, "blocked": blocked, "cut": cut}


def _flood_http_as_nobody(port: int) -> dict:
    request = b"POST /hook HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"
    return flood(lambda: socket.create_connection(("127.0.0.1", port)), request * 2000)


@needs_root
def test_another_user_pipelining_untokened_requests_without_reading_holds_no_memory(hookd_process_factory, redis_db):
    port = free_port()
    daemon = hookd_process_factory(http_addr=f"127.0.0.1:{port}", client_timeout_s=str(TIMEOUT_S))
    before = rss(daemon.proc.pid)
    got = run_as_nobody(_flood_http_as_nobody, port, timeout=60)
    grown = rss(daemon.proc.pid) - before
    assert grown < LIMIT, f"hookd grew by {grown >> 20} MiB for {got['sent'] >> 20} MiB of unread 401s"
    assert got["blocked"] and got["cut"], got
    # and the owner's events still go straight through
    assert daemon.send(b'{"hook_event_name": "Stop", "session_id": "after"}').returncode == 0
    assert b"after" in wait_for_entries(redis_db, 1)[0][b"envelope"]
    assert daemon.inbox() == []


def test_a_sender_on_the_socket_that_never_reads_its_replies_holds_no_memory(hookd_process_factory, redis_db):
    daemon = hookd_process_factory(client_timeout_s=str(TIMEOUT_S))
    before = rss(daemon.proc.pid)
    fds = len(os.listdir(f"/proc/{daemon.proc.pid}/fd"))

    def connect() -> socket.socket:
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(str(daemon.socket))
        return sock

    got = flood(connect, b"HOOKD/1 1\n1" * 10000)  # each refused: not_object, a 55-byte reply
    grown = rss(daemon.proc.pid) - before
    assert grown < LIMIT, f"hookd grew by {grown >> 20} MiB for {got['sent'] >> 20} MiB of frames"
    assert got["blocked"] and got["cut"], got
    wait_until(lambda: len(os.listdir(f"/proc/{daemon.proc.pid}/fd")) <= fds, what="the connection's descriptor back")
    assert daemon.send(b'{"hook_event_name": "Stop", "session_id": "after"}').returncode == 0
    assert b"after" in wait_for_entries(redis_db, 1)[0][b"envelope"]


def _endless_header_as_nobody(port: int) -> dict:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(2)
    sent, cut, start = 0, False, time.monotonic()
    try:
        sock.sendall(b"GET /hook HTTP/1.1\r\nHost: localhost\r\nX-Long: ")
        chunk = b"a" * (1 << 20)
        while sent < (32 << 20) and time.monotonic() - start < 3:
            sock.sendall(chunk)
            sent += len(chunk)
    except OSError:
        cut = True
    sock.close()
    return {"sent": sent, "cut": cut}


@needs_root
def test_another_user_sending_a_header_that_never_ends_is_cut_off_at_the_head_limit(hookd_process_factory, redis_db):
    """httptools keeps a header value to itself until it ends, and the head's size was counted
    per complete header: one endless value was held whole until client_timeout_s (+67 MiB of
    hookd's memory in 4 s for one connection, and 256 of them are allowed)."""
    port = free_port()
    daemon = hookd_process_factory(http_addr=f"127.0.0.1:{port}", client_timeout_s="5")
    before = rss(daemon.proc.pid)
    got = run_as_nobody(_endless_header_as_nobody, port, timeout=60)
    grown = rss(daemon.proc.pid) - before
    # "sent" counts what the kernel's buffers took before the cut (this side's send buffer alone may
    # hold 4 MiB): hookd's own memory is what the next line bounds.
    assert got["cut"] and got["sent"] < (16 << 20), got
    assert grown < (16 << 20), f"hookd grew by {grown >> 20} MiB"
    assert daemon.send(b'{"hook_event_name": "Stop", "session_id": "after"}').returncode == 0
    assert b"after" in wait_for_entries(redis_db, 1)[0][b"envelope"]


def test_a_sender_looping_on_bad_frames_floods_neither_the_log_nor_the_counts(hookd_process_factory, redis_db):
    """Every refused frame wrote an event_rejected line: 56 MB of log in 4 s from one
    connection, and the log line cost more than the refusal. Now 20 lines per reason per
    10 s, the next one saying how many went without; `hookd status` still counts each."""
    daemon = hookd_process_factory()
    frames = 5000
    reply = daemon.request(b"HOOKD/1 1\n1" * frames, timeout=60)
    assert reply.count(b"ERR not_object") == frames
    status = json.loads(
        subprocess.run(
            [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
        ).stdout
    )
    assert status["counters"]["rejected"]["not_object"] == frames
    lines = [r for r in log_records(daemon.log_text()) if r.get("event") == "event_rejected"]
    assert 1 <= len(lines) <= 20, len(lines)


def test_one_connection_with_thousands_of_frames_in_one_read_lets_the_others_take_turns(
    hookd_process_factory, redis_db
):
    """All the frames one read brought were taken before any other connection was served:
    a sender writing small events flat out (one 256 KiB read is thousands of frames) held
    every other hook-send up for 0.2-0.8 s, and 6 of 10 fell back to the inbox. Now at most
    FRAMES_PER_TURN frames, then the others' turn. Checked by order, not time: hookd is
    stopped while both connections write, so their bytes wait together."""
    daemon = hookd_process_factory()
    flood_frames = 3000
    body = b'{"hook_event_name": "Stop", "session_id": "flood"}'
    flood = socket.socket(socket.AF_UNIX)
    other = socket.socket(socket.AF_UNIX)
    for sock in (flood, other):
        sock.connect(str(daemon.socket))
        sock.settimeout(30)
    time.sleep(0.5)  # both accepted before hookd stops
    daemon.proc.send_signal(signal.SIGSTOP)
    try:
        flood.sendall(b"HOOKD/1 %d\n%s" % (len(body), body) * flood_frames)  # < the socket's buffer
        mine = b'{"hook_event_name": "Stop", "session_id": "other"}'
        other.sendall(b"HOOKD/1 %d\n%s" % (len(mine), mine))
    finally:
        daemon.proc.send_signal(signal.SIGCONT)
    assert other.recv(100).startswith(b"OK ")
    entries = wait_for_entries(redis_db, flood_frames + 1, timeout=60)
    position = next(i for i, e in enumerate(entries) if b'"session_id":"other"' in e[b"envelope"])
    assert position < 1000, f"the other sender's event came after {position} of the flood's"
    flood.close()
    other.close()


def test_long_session_ids_are_not_remembered_by_the_usage_tracker(hookd_process_factory, redis_db, tmp_path):
    """The usage tracker keeps a state per session (up to 2,000), keyed by the session id as
    sent: 60 events with distinct 2 MB ids and a transcript path kept +124 MiB, which 2,000
    would make 4 GB. Ids longer than the enricher's cap (256) are not remembered."""
    daemon = hookd_process_factory()
    transcript = tmp_path / "transcript.jsonl"
    transcript.write_text("")
    before = rss(daemon.proc.pid)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(daemon.socket))
        sock.settimeout(60)
        for i in range(60):
            session = f"{i:04d}" + "s" * 2_000_000
            body = json.dumps(
                {"hook_event_name": "UserPromptSubmit", "session_id": session, "transcript_path": str(transcript)}
            ).encode()
            sock.sendall(b"HOOKD/1 %d\n%s" % (len(body), body))
            assert sock.recv(200).startswith(b"OK "), i
    wait_for_entries(redis_db, 60, timeout=60)
    grown = rss(daemon.proc.pid) - before
    assert grown < (48 << 20), f"hookd grew by {grown >> 20} MiB for 60 sessions"


def test_a_sweep_of_thousands_of_inbox_files_lets_the_socket_take_turns(hookd_process_factory, redis_db):
    """The inbox sweep took every waiting file, then deleted every one, without giving the
    loop back: 20,000 files (hook-send's while hookd was down) meant a loop lag of 961 ms and
    hook-sends falling back to the inbox they were emptying. Checked by order: events sent
    on the socket during the sweep land among the inbox's, not after the last of them."""
    daemon = hookd_process_factory()
    inbox = daemon.state_dir / "inbox"
    files = 5000
    daemon.proc.send_signal(signal.SIGSTOP)
    try:
        body = b'{"hook_event_name": "Stop", "session_id": "inbox"}'
        for i in range(files):
            (inbox / f"{time.time_ns():020d}-1-{i:08d}.hookd").write_bytes(b"HOOKD/1 %d\n%s" % (len(body), body))
    finally:
        daemon.proc.send_signal(signal.SIGCONT)
    probes = 0
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(daemon.socket))
        sock.settimeout(30)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            probe = b'{"hook_event_name": "Stop", "session_id": "probe"}'
            sock.sendall(b"HOOKD/1 %d\n%s" % (len(probe), probe))
            assert sock.recv(100).startswith(b"OK ")
            probes += 1
            time.sleep(0.01)
    entries = wait_for_entries(redis_db, files + probes, timeout=60)
    sessions = [b'"session_id":"probe"' in e[b"envelope"] for e in entries]
    first, last = sessions.index(False), len(sessions) - 1 - sessions[::-1].index(False)
    assert any(sessions[first:last]), "no socket event was taken while the inbox was swept"
