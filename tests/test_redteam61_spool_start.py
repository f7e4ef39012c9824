"""Sixty-first pass: what a start reads of the spool, and what a count file may make it do.

A start read the newest segment whole (recovery), again after the cursor (the count), and the cursor's
segment from 0 to the cursor once more (around_cursor, for the check of what the last run saw land):
the part before the cursor was read two or three times. Now one read of the cursor's segment serves
all three (spool/cursor_segment.py). Bytes read are counted by the kernel (rchar), as the
forty-ninth pass's tests do. A count file cut short or damaged was taken for a count; now it is said
and the segment read, and no count file ever makes hookd skip or repeat an event.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading

import pytest
from conftest import free_port, wait_until
from structlog.testing import capture_logs
from test_redteam49_spool_read import bytes_read
from test_redteam49_spool_start import committed_spool, placed
from test_spool import drain, open_spool


def start_reads(tmp_path, segment_bytes: int):
    """A spool opened on what tmp_path holds, and what a start asks of it: (spool, bytes read, the
    seqs either side of the cursor)."""
    before = bytes_read()
    spool = open_spool(tmp_path, segment_bytes=segment_bytes)
    last, first = spool.around_cursor()
    read = bytes_read() - before
    return spool, read, (last and last.seq, first and first.seq)


def test_a_start_reads_the_newest_segment_once_with_the_cursor_in_it(tmp_path):
    (segment,) = committed_spool(tmp_path, 4000, 2000)
    size = segment.stat().st_size
    spool, read, around = start_reads(tmp_path, 64 << 20)
    assert around == (1999, 2000)
    assert spool.pending_events == 2000
    # The code before: the whole segment at recovery, the half after the cursor to count it, and the
    # half before it for around_cursor: twice its size.
    assert read < 1.1 * size, (read, size)
    assert drain(spool) == list(range(2000, 4000))
    spool.close()


@pytest.mark.parametrize("count_files", [True, False])
def test_a_start_reads_the_cursors_older_segment_once(tmp_path, count_files):
    segments = committed_spool(tmp_path, 4000, 1500, segment_bytes=1 << 20)
    assert len(segments) >= 4
    if not count_files:
        for path in tmp_path.glob("*.count"):
            path.unlink()
    spool = open_spool(tmp_path, segment_bytes=1 << 20)
    cursor = spool.cursor
    spool.close()
    sizes = {int(p.name[:-4]): p.stat().st_size for p in tmp_path.glob("*.seg")}
    assert 0 < cursor.offset < sizes[cursor.segment] and cursor.segment < max(sizes)
    # Each byte at most once: the cursor's segment and the newest (recovery); the ones between only
    # without their count files.
    once = sizes[cursor.segment] + sizes[max(sizes)]
    if not count_files:
        once += sum(size for seg, size in sizes.items() if cursor.segment < seg < max(sizes))
    spool, read, around = start_reads(tmp_path, 1 << 20)
    assert around == (1499, 1500)
    assert spool.pending_events == 2500
    # The code before: the part before the cursor twice more (around_cursor, and the count's check
    # of what was written before it) with count files; once more without.
    assert read < once + (64 << 10), (read, once)
    assert drain(spool) == list(range(1500, 4000))
    spool.close()


def test_damage_just_before_the_cursor_is_counted_and_read_as_before(tmp_path):
    (segment,) = committed_spool(tmp_path, 10, 5)
    offset, length = placed(segment)[4]  # the record that ends at the cursor
    with open(segment, "r+b") as f:
        f.seek(offset + length // 2)
        f.write(b"\xff\xfe")
    spool, _, around = start_reads(tmp_path, 64 << 20)
    assert around == (3, 5)  # the last one before the cursor that reads
    assert spool.pending_events == 5
    assert drain(spool) == [5, 6, 7, 8, 9]
    assert (spool.lost, spool.pending_events) == (0, 0)
    spool.close()


def test_damage_across_the_cursor_is_read_as_before(tmp_path):
    """The read from 0 does not land on the cursor: what is around it is read as before this pass."""
    (segment,) = committed_spool(tmp_path, 10, 5)
    records = placed(segment)
    start = records[4][0] + 4
    with open(segment, "r+b") as f:  # from inside the record before the cursor into the one after it
        f.seek(start)
        f.write(b"\xee" * (records[5][0] + 12 - start))
    spool, _, around = start_reads(tmp_path, 64 << 20)
    assert around == (3, 6)
    assert drain(spool) == [6, 7, 8, 9]
    assert spool.pending_events == 0
    spool.close()


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[:1],  # cut short: the newline and a digit gone
        lambda text: b"",
        lambda text: b"\x00" * len(text),
        lambda text: b"99999999\n",  # more records than the segment could hold
        lambda text: b"-" + text,
    ],
    ids=["cut", "empty", "zeros", "too_many", "negative"],
)
def test_a_damaged_count_file_is_said_and_never_makes_hookd_skip_or_repeat(tmp_path, damage):
    committed_spool(tmp_path, 600, 100, segment_bytes=64 << 10)
    counts = sorted(tmp_path.glob("*.count"))
    assert len(counts) >= 3
    for path in counts:
        path.write_bytes(damage(path.read_bytes()))
    with capture_logs() as logs:
        spool = open_spool(tmp_path, segment_bytes=64 << 10)
        assert spool.pending_events == 500  # the code before: what the damaged files said, or a count below it
    ignored = [entry for entry in logs if entry["event"] == "spool_count_file_ignored"]
    assert len(ignored) >= len(counts) - 1, logs  # the cursor's own may be read whole instead
    assert drain(spool) == list(range(100, 600))
    assert spool.pending_events == 0
    spool.close()


@pytest.mark.process
def test_a_kill_during_writes_then_damaged_count_files_lose_and_repeat_nothing(hookd_factory, redis_server, redis_db):
    """hookd killed (SIGKILL) while events are written and segments rotate (count files written
    by rename), its count files then cut short: the next run sends every event it said OK to once."""
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # Redis down: every event stays in the spool
    daemon = hookd_factory(redis_url=nowhere, spool_segment_bytes=str(64 << 10))
    said_ok: list[int] = []
    stop = threading.Event()

    def sender() -> None:
        n = 0
        while not stop.is_set():
            body = json.dumps({"hook_event_name": "Stop", "session_id": "s61", "n": n, "pad": "p" * 900}).encode()
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.settimeout(5)
                    s.connect(str(daemon.socket))
                    s.sendall(b"HOOKD/1 %d\n" % len(body) + body)
                    s.shutdown(socket.SHUT_WR)
                    if s.recv(4096).startswith(b"OK "):
                        said_ok.append(n)
            except OSError:
                return  # killed
            n += 1

    thread = threading.Thread(target=sender)
    thread.start()
    wait_until(lambda: len(said_ok) >= 300, timeout=60, what="300 events taken")
    daemon.proc.send_signal(signal.SIGKILL)
    daemon.proc.wait()
    stop.set()
    thread.join(30)
    spool = daemon.state_dir / "spool"
    counts = sorted(spool.glob("*.count"))
    assert len(counts) >= 3, sorted(os.listdir(spool))
    for path in counts[::2]:
        path.write_bytes(path.read_bytes()[:1])
    daemon.log.close()
    daemon.env["HOOKD_REDIS_URL"] = redis_server.url
    daemon.start()
    wait_until(lambda: redis_db.xlen("hookd:events") >= len(said_ok), timeout=60, what="every event in Redis")
    arrived = [json.loads(f[b"envelope"])["payload"]["n"] for _, f in redis_db.xrange("hookd:events")]
    # Those said OK, once each, in order; one written as the kill came may follow them, never twice.
    assert arrived[: len(said_ok)] == said_ok and len(arrived) <= len(said_ok) + 1, (len(arrived), len(said_ok))
    from hookd.control.client import request

    control = str(daemon.socket.parent / "control.sock")
    wait_until(lambda: request(control, "status")["spool"]["events"] == 0, timeout=30, what="nothing waiting")
    assert '"spool_count_file_ignored"' in daemon.log_text()


def test_the_records_around_the_cursor_are_let_go_once_asked(tmp_path):
    committed_spool(tmp_path, 10, 5)
    spool = open_spool(tmp_path, segment_bytes=64 << 20)
    assert [e.seq for e in spool.around_cursor()] == [4, 5]
    assert spool._files.around is None  # not held for the daemon's life
    assert [e.seq for e in spool.around_cursor()] == [4, 5]  # asked again: read as before
    assert drain(spool) == [5, 6, 7, 8, 9]
    spool.close()


def test_the_start_reads_the_newest_segment_once_for_its_recent_handoffs(tmp_path):
    """The daemon's start asks for the hand-off ids received lately (inspect.recent_handoffs): the
    newest segment was read whole again for them; the recovery's read gathers them now."""
    import time

    from hookd.spool import Spool
    from hookd.spool.event import Event
    from hookd.spool.inspect import spooled_handoffs

    now = time.time_ns()
    spool = open_spool(tmp_path, segment_bytes=64 << 20)
    for at in range(0, 4000, 500):
        spool.append_many(
            [
                Event(n, "h", f"e{n}", "Stop", "s", "", b"x" * 1000, f"hand-{n}", now - (4000 - n) * 10**9)
                for n in range(at, at + 500)
            ]
        )
    drain(spool)
    spool.close()
    (segment,) = tmp_path.glob("*.seg")
    since = now - 1000 * 10**9  # the last 1,000 events' window
    before = bytes_read()
    spool = Spool(str(tmp_path), 64 << 20, "interval", retain_published_s=0, handoffs_since_ns=since - 10**9)
    found = spooled_handoffs(spool.directory, since, set(), spool.dir_fd, None, spool.handoffs_at_start)
    read = bytes_read() - before
    assert found == {f"hand-{n}": f"e{n}" for n in range(3000, 4000)}
    # The code before: the recovery's read and recent_handoffs' own, twice the segment.
    assert read < 1.1 * segment.stat().st_size, (read, segment.stat().st_size)
    # A window that begins before the gathered one's, or a segment grown since: read again, as before.
    assert spooled_handoffs(spool.directory, since - 2 * 10**9, set(), spool.dir_fd, None, spool.handoffs_at_start) == {
        f"hand-{n}": f"e{n}" for n in range(2998, 4000)
    }
    spool.append(Event(4000, "h", "e4000", "Stop", "s", "", b"x", "hand-4000", now))
    assert "hand-4000" in spooled_handoffs(spool.directory, since, set(), spool.dir_fd, None, spool.handoffs_at_start)
    spool.close()
