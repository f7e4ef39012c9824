"""Fourteenth red-team pass: clock jumps and the sequence. Each run starts numbering at least at the
clock in microseconds, and keeps its ceiling in the sequence file for the next run. One start with
the clock set far ahead (past 2255) left numbers past 2**53 there for good; the publish script
compares seqs as Lua doubles, so neighbours compared equal and every other event was skipped as a
repeat: of 6 events sent, 2 reached the stream (`skipped_unsent` 2), in every later run, clock set
right or not. Now such a file starts a new instance from the clock, and a clock past 2112 is not
taken as a floor."""

from __future__ import annotations

import json
import os
import types

from conftest import stream_entries
from hookd import sequence
from hookd.sequence import LIMIT, SequenceAllocator
from test_status import wait_status


def test_a_sequence_file_past_what_redis_compares_exactly_costs_no_event(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    daemon.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = daemon.state_dir / "sequence"
    path.write_text("%d\n" % (2**53 + 10))  # as a start with the clock in 2300 left it
    os.chmod(path, 0o600)
    (daemon.state_dir / "sequence.instance").write_text("0ld1nstance0\n")
    os.chmod(daemon.state_dir / "sequence.instance", 0o600)
    daemon.start()
    for n in range(6):
        sent = daemon.send(json.dumps({"hook_event_name": "Stop", "session_id": "s14c", "n": n}).encode())
        assert (sent.returncode, sent.stderr) == (0, b"")
    status = wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the spool drained")
    entries = stream_entries(redis_db)
    assert [json.loads(f[b"envelope"])["payload"]["n"] for f in entries] == list(range(6))
    assert status["counters"]["published"] == 6 and status["counters"]["skipped_unsent"] == 0
    assert {f[b"instance"] for f in entries} != {b"0ld1nstance0"}
    assert all(int(f[b"seq"]) < LIMIT for f in entries)


def test_a_clock_far_ahead_is_not_a_floor_and_numbers_never_repeat(tmp_path, monkeypatch):
    now = {"ns": (LIMIT + 10**15) * 1000}  # the year 2143
    monkeypatch.setattr(sequence, "time", types.SimpleNamespace(time_ns=lambda: now["ns"]))
    ahead = SequenceAllocator(str(tmp_path / "seq"), block=10)
    first = [ahead.next() for _ in range(25)]
    assert max(first) < LIMIT
    now["ns"] = 1_796_000_000 * 10**9  # set right again
    after = SequenceAllocator(str(tmp_path / "seq"), block=10)
    assert after.instance == ahead.instance and after.next() > max(first)
