"""The fourteenth pass's Left (h90): first sends after a sequence renewal.

FirstSends tells an event's first send from a repeat by its seq alone: at or above the first seq
of this run, and above everything sent so far. A renewed sequence (a file past 2**52 at start)
numbers again from the clock under a new instance, below the old instance's numbers still in the
spool, so (1) the old events, sent before a crash whose cursor file lagged and skipped by Redis as
the repeats they are, were called first sends: `skipped_unsent`, kept in unsent.jsonl, status
degraded, a false alarm; and (2) once they had gone, every new event was below what had been sent,
so a mark that skipped a new event on its first send went unsaid. Only the batches of this run's
sender (host and instance) are judged now.
"""

from __future__ import annotations

import json
import os

from conftest import stream_entries, wait_for_entries
from hookd import sequence
from hookd.publish.script import marks_key
from test_status import wait_status


def event(n: int) -> bytes:
    return json.dumps({"hook_event_name": "Stop", "session_id": "s15f", "n": n}).encode()


def send(daemon, n: int) -> None:
    sent = daemon.send(event(n))
    assert (sent.returncode, sent.stderr) == (0, b"")


def test_first_sends_are_judged_per_sender_after_a_renewal(hookd_factory, redis_db, monkeypatch):
    daemon = hookd_factory(start=False)
    daemon.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    seq_file = daemon.state_dir / "sequence"
    seq_file.write_text("%d\n" % (2**53 + 11))
    os.chmod(seq_file, 0o600)
    monkeypatch.setattr(sequence, "LIMIT", 2**63)  # as before the renewal: numbers past 2**53
    daemon.start()
    for n in range(3):
        send(daemon, n)
    wait_for_entries(redis_db, 3)
    wait_status(daemon, lambda s: s["spool"]["events"] == 0, "published")
    daemon.stop()
    # A crash before the cursor file followed Redis: the next start sends the three again.
    (daemon.state_dir / "spool" / "cursor").unlink()
    monkeypatch.undo()
    daemon.start()  # renews the sequence: a new instance, numbered from the clock
    status = wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the repeats skipped")
    # On the code before: skipped_unsent 3, and the three (in the stream) kept in unsent.jsonl.
    assert status["counters"]["skipped_unsent"] == 0, status["counters"]
    assert status["counters"]["deduplicated"] == 3
    assert not (daemon.state_dir / "unsent.jsonl").exists()
    # The new instance's mark set ahead of it by hand: its next event is skipped on its first send.
    instance = status["instance"]
    redis_db.hset(marks_key("hookd:events"), f"{daemon.env.get('HOOKD_HOST') or status['host']}/{instance}", 2**52)
    send(daemon, 3)
    status = wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the new event skipped")
    # On the code before: counted as a repeat (its seq was below the old instance's), unsaid.
    assert status["counters"]["skipped_unsent"] == 1, status["counters"]
    kept = (daemon.state_dir / "unsent.jsonl").read_text().splitlines()
    assert [json.loads(line)["payload"]["n"] for line in kept] == [3]
    assert len(stream_entries(redis_db)) == 3
