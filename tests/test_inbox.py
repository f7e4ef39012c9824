"""Events hook-send left in the inbox reach the stream, in order, once."""

from __future__ import annotations

import pytest
import json
import os
import signal
import time

from conftest import wait_for_entries, wait_until


def body(n: int) -> bytes:
    return json.dumps({"hook_event_name": "PreToolUse", "session_id": f"s{n}"}).encode()


def sessions(redis_db) -> list[str]:
    return [json.loads(f[b"envelope"])["session_id"] for _, f in redis_db.xrange("hookd:events")]


def frame(n: int, handoff_id: str) -> bytes:
    b = body(n)
    return b"HOOKD/1 %d sent=%d pid=1 id=%s\n" % (len(b), time.time_ns(), handoff_id.encode()) + b


def put_in_inbox(daemon, data: bytes, name: str) -> None:
    inbox = daemon.state_dir / "inbox"
    inbox.mkdir(parents=True, exist_ok=True, mode=0o700)
    (inbox / name).write_bytes(data)


def send_to_inbox(daemon, n: int):
    """Run the real client with no daemon to reach, so it writes its inbox file."""
    result = daemon.send(body(n), HOOKD_SOCKET=str(daemon.socket.parent / "nobody.sock"))
    assert (result.returncode, result.stdout) == (0, b"")


def test_events_sent_while_hookd_was_away_arrive_in_send_order_when_it_starts(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    for n in range(30):
        daemon.send(body(n))
    assert len(daemon.inbox()) == 30
    daemon.start()
    wait_for_entries(redis_db, 30)
    assert sessions(redis_db) == [f"s{n}" for n in range(30)]
    assert daemon.inbox() == []


def test_an_inbox_file_written_while_hookd_runs_is_taken_within_a_second(hookd, redis_db):
    send_to_inbox(hookd, 1)
    assert len(hookd.inbox()) == 1
    wait_for_entries(redis_db, 1, timeout=60)
    wait_until(lambda: hookd.inbox() == [], timeout=60, what="the inbox file to be deleted")
    assert sessions(redis_db) == ["s1"]


def test_an_inbox_copy_of_an_event_that_reached_the_socket_is_dropped(hookd, redis_db):
    data = frame(7, "dup0000000000001")
    assert hookd.request(data).startswith(b"OK ")
    put_in_inbox(hookd, data, "00000000000000000001-1-dup0000000000001.hookd")
    wait_until(lambda: hookd.inbox() == [], timeout=60, what="the duplicate to be dropped")
    hookd.request(frame(8, "other00000000001"))
    wait_for_entries(redis_db, 2)
    assert sessions(redis_db) == ["s7", "s8"]
    assert "handoff_duplicate_dropped" in hookd.log_text()


@pytest.mark.process
def test_the_duplicate_is_recognised_after_a_crash_and_restart(hookd_factory, redis_db):
    daemon = hookd_factory()
    data = frame(1, "crash00000000001")
    assert daemon.request(data).startswith(b"OK ")
    wait_for_entries(redis_db, 1)
    daemon.stop(signal.SIGKILL)
    # As if the client had given up waiting for OK just before the crash.
    put_in_inbox(daemon, data, "00000000000000000001-1-crash00000000001.hookd")
    daemon.start()
    daemon.request(frame(2, "after00000000001"))
    wait_for_entries(redis_db, 2)
    assert sessions(redis_db) == ["s1", "s2"]
    assert daemon.inbox() == []


def test_a_bad_inbox_file_is_set_aside_and_the_rest_are_taken(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    send_to_inbox(daemon, 1)
    put_in_inbox(daemon, b"HOOKD/1 9\nnot json!", "00000000000000000002-1-bad.hookd")
    send_to_inbox(daemon, 3)
    daemon.start()
    wait_for_entries(redis_db, 2)
    assert sessions(redis_db) == ["s1", "s3"]
    rejected = daemon.state_dir / "inbox" / "rejected"
    assert [p.name for p in rejected.iterdir()] == ["00000000000000000002-1-bad.hookd"]
    assert daemon.inbox() == []


def test_an_abandoned_temporary_file_holding_a_whole_frame_is_taken(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    put_in_inbox(daemon, frame(5, "tmp0000000000001"), ".tmp-tmp0000000000001")
    tmp = daemon.state_dir / "inbox" / ".tmp-tmp0000000000001"
    old = time.time() - 3600
    os.utime(tmp, (old, old))
    daemon.start()
    wait_for_entries(redis_db, 1)
    assert sessions(redis_db) == ["s5"]
    assert not tmp.exists()


def test_a_fresh_temporary_file_is_left_to_its_writer(hookd, redis_db):
    put_in_inbox(hookd, frame(5, "tmp0000000000002"), ".tmp-tmp0000000000002")
    send_to_inbox(hookd, 6)
    wait_for_entries(redis_db, 1)
    time.sleep(1.0)
    assert sessions(redis_db) == ["s6"]
    assert (hookd.state_dir / "inbox" / ".tmp-tmp0000000000002").exists()
