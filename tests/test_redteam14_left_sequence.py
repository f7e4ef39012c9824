"""The fourteenth pass's Left: events spooled under a sequence that had gone past 2**53 (before hookd
renewed such a sequence at start) kept those numbers, and the publish script compared seqs as Lua
doubles: neighbours compared equal and every other one was skipped as a repeat. The script now
compares seqs and marks as decimal strings.

The spool is written as a hookd before the fix wrote it: a daemon numbering from a sequence file
past 2**53 (sequence.LIMIT lifted, so that it does not renew it), with Redis out of reach."""

from __future__ import annotations

import json
import os

from conftest import stream_entries
from hookd import sequence
from hookd.config import Config
from hookd.publish.script import PUBLISH_BATCH, batch_args, marks_key, script_keys
from hookd.publish.settings import PublishSettings
from hookd.spool.event import Event
from test_status import wait_status


def event(n: int) -> bytes:
    return json.dumps({"hook_event_name": "Stop", "session_id": "s14l", "n": n}).encode()


def test_events_spooled_with_seqs_past_2_53_are_published_once_and_in_order(
    hookd_factory, redis_server, redis_db, monkeypatch
):
    daemon = hookd_factory(start=False, redis_url="redis://127.0.0.1:9/0")  # nothing listens there
    daemon.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    seq_file = daemon.state_dir / "sequence"
    seq_file.write_text("%d\n" % (2**53 + 11))  # odd: its neighbours round to one double
    os.chmod(seq_file, 0o600)
    monkeypatch.setattr(sequence, "LIMIT", 2**63)  # as before the fix: no renewal
    daemon.start()
    for n in range(6):
        sent = daemon.send(event(n))
        assert (sent.returncode, sent.stderr) == (0, b"")
    wait_status(daemon, lambda s: s["spool"]["events"] == 6, "six events spooled")
    daemon.stop()
    monkeypatch.undo()
    daemon.env["HOOKD_REDIS_URL"] = redis_server.url
    daemon.start()
    sent = daemon.send(event(6))  # numbered under the renewed sequence
    assert (sent.returncode, sent.stderr) == (0, b"")
    status = wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the spool drained")
    entries = stream_entries(redis_db)
    assert [json.loads(f[b"envelope"])["payload"]["n"] for f in entries] == list(range(7))
    assert [int(f[b"seq"]) for f in entries[:6]] == list(range(2**53 + 11, 2**53 + 17))
    assert status["counters"]["published"] == 7 and status["counters"]["skipped_unsent"] == 0


def test_the_script_skips_a_repeat_past_2_53_and_takes_the_next_number(redis_db):
    """At the script itself: a batch sent again is skipped whole, the number after the mark is taken
    (as doubles, 2**53 + 1 and 2**53 equal each other)."""
    settings = PublishSettings.from_config(Config(session_index=False))
    script = redis_db.register_script(PUBLISH_BATCH)

    def publish(*seqs: int, after: int = 0) -> list:
        events = [Event(seq, "h", f"id{seq}", "Stop", "s", "", b"{}", instance="i") for seq in seqs]
        return script(keys=script_keys(settings.stream), args=batch_args(settings, events, after))

    assert publish(2**53, 2**53 + 1) == [2, 0]
    assert publish(2**53, 2**53 + 1) == [0, 2]
    assert publish(2**53 + 2, after=2**53 + 1) == [1, 0]
    assert publish(2**53 + 4, after=2**53 + 3) == [-1, b"%d" % (2**53 + 2)]  # the batch before it did not land
    assert [int(f[b"seq"]) for f in stream_entries(redis_db)] == [2**53, 2**53 + 1, 2**53 + 2]
    assert redis_db.hget(marks_key(settings.stream), "h/i") == b"%d" % (2**53 + 2)
