"""Tokens, cost and model from the transcript: the reader, the tracker, and a real hookd."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import wait_for_entries
from hookd.enrich.prices import PriceTable
from hookd.enrich.transcript import Reading, TranscriptCursor, TranscriptRefused
from hookd.enrich.usage import UsageTracker

FIXTURE = Path(__file__).parent / "fixtures" / "transcript.jsonl"
SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-haiku-4-5-20251001"
# What the fixture holds: msg_1 twice (one count), msg_2; a sidechain turn on Haiku.
SONNET_TOKENS = {"input_tokens": 1500, "output_tokens": 300, "cache_read_tokens": 13000, "cache_write_tokens": 3000}
HAIKU_TOKENS = {"input_tokens": 2000, "output_tokens": 400, "cache_read_tokens": 0, "cache_write_tokens": 1000}
SONNET_COST = (1500 * 3 + 300 * 15 + 13000 * 0.3 + 3000 * 3.75) / 1e6
HAIKU_COST = (2000 * 1 + 400 * 5 + 1000 * 2) / 1e6  # its cache writes are kept 1 hour


def read_all(path: Path, max_bytes: int = 1 << 20, cursor: TranscriptCursor | None = None):
    cursor = cursor or TranscriptCursor(str(path))
    reading = Reading()
    cursor.read(max_bytes, reading)
    return cursor, reading


def test_counts_each_message_once_per_model_and_keeps_the_main_model(tmp_path):
    path = tmp_path / "t.jsonl"
    shutil.copy(FIXTURE, path)
    _, reading = read_all(path)
    assert reading.model == SONNET  # the sidechain's Haiku and <synthetic> are not the session's
    sonnet, haiku = reading.counts[SONNET], reading.counts[HAIKU]
    assert (sonnet.input, sonnet.output, sonnet.cache_read, sonnet.cache_write) == (1500, 300, 13000, 3000)
    assert (haiku.input, haiku.output, haiku.cache_write, haiku.cache_write_1h) == (2000, 400, 1000, 1000)
    assert set(reading.counts) == {SONNET, HAIKU}


def test_reads_incrementally_and_waits_for_a_line_being_written(tmp_path):
    path = tmp_path / "t.jsonl"
    lines = FIXTURE.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]) + lines[2][:40])  # the third line is half written
    cursor, first = read_all(path)
    assert first.counts[SONNET].output == 200
    assert cursor.offset == len(lines[0]) + len(lines[1])
    path.write_bytes(b"".join(lines))
    cursor, second = read_all(path, cursor=cursor)
    assert second.counts[SONNET].output == 100  # msg_1's repeat was not counted again
    assert cursor.offset == path.stat().st_size


def test_a_line_longer_than_a_reading_is_skipped_and_the_rest_still_counted(tmp_path):
    path = tmp_path / "t.jsonl"
    huge = json.dumps({"type": "user", "message": {"content": "x" * 300_000, "usage": 1}})
    path.write_text(huge + "\n" + FIXTURE.read_text())
    cursor, total = TranscriptCursor(str(path)), Reading()
    for _ in range(10):
        cursor.read(100_000, total)
    assert total.bad_lines == 1
    assert total.counts[SONNET].output == 300 and cursor.offset == path.stat().st_size


def test_refuses_symlinks_fifos_and_other_users_files(tmp_path):
    real = tmp_path / "real.jsonl"
    shutil.copy(FIXTURE, real)
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with pytest.raises(TranscriptRefused, match="cannot open"):
        read_all(link)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(TranscriptRefused, match="not a regular file"):
        read_all(fifo)  # and it did not block
    if os.geteuid() != 0:
        pytest.skip("a file of another user needs root to make")
    os.chown(real, 65534, 65534)
    with pytest.raises(TranscriptRefused, match="uid 65534"):
        read_all(real)


def test_prices_match_the_longest_prefix_at_a_separator():
    table = PriceTable()
    assert table.price("claude-sonnet-4-5-20250929").input == 3
    assert table.price("claude-sonnet-5-5").cache_read == 0.10
    assert table.price("claude-sonnet-5-20260101").cache_read == 0.20  # not Sonnet 5.5's
    assert table.price("claude-opus-4-1-20250805").input == 15
    assert table.price("claude-opus-4-5[1m]").input == 5
    assert table.price("claude-sonnet-45") is None and table.price("gpt-5") is None
    assert table.cost("mystery", 1, 1, 1, 1, 0) is None


def test_the_tracker_reports_since_the_last_usage_event_and_in_total(tmp_path):
    path = tmp_path / "t.jsonl"
    lines = FIXTURE.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]))
    tracker = UsageTracker(PriceTable(), budget_s=2)
    try:
        assert tracker.observe("s", "PreToolUse", (str(path),)) is None
        first = tracker.observe("s", "Stop", (str(path),))
        assert first.total[SONNET].output_tokens == 200 and first.since_last[SONNET].output_tokens == 200
        assert tracker.model_of("s") == SONNET
        path.write_bytes(b"".join(lines))
        second = tracker.observe("s", "SessionEnd", (str(path),))
        assert second.since_last[SONNET].output_tokens == 100
        assert second.total[SONNET].output_tokens == 300
        assert second.since_last[HAIKU].input_tokens == 2000
        assert second.total_cost_usd == pytest.approx(SONNET_COST + HAIKU_COST)
        assert second.caught_up
        third = tracker.observe("s", "Stop", (str(path),))
        assert third.since_last == {} and third.since_last_cost_usd == 0
        assert tracker.observe("s", "Stop", ("relative/path",)).total[SONNET].output_tokens == 300
    finally:
        tracker.close()


def test_a_slow_reading_does_not_hold_the_event_and_nothing_is_lost(tmp_path):
    path = tmp_path / "t.jsonl"
    shutil.copy(FIXTURE, path)
    tracker = UsageTracker(PriceTable(), budget_s=0.0)
    gate = __import__("threading").Event()
    real_read = tracker._read
    tracker._read = lambda *a: (gate.wait(5), real_read(*a))
    try:
        started = time.monotonic()
        late = tracker.observe("s", "Stop", (str(path),))
        # Not held for the reading, which waits 5 s on the gate (the margin is for a loaded machine).
        assert time.monotonic() - started < 2.5
        assert late.total == {} and not late.caught_up and tracker.late == 1
        gate.set()
        tracker.sessions["s"].job.result(timeout=30)  # the late reading finished
        tracker._read = real_read
        later = tracker.observe("s", "Stop", (str(path),))
        assert later.since_last[SONNET].output_tokens == 300
    finally:
        tracker.close()


def test_hookd_adds_usage_and_model_from_the_transcript(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory()
    path = tmp_path / "transcript.jsonl"
    lines = FIXTURE.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0])
    base = {"session_id": "sess-usage", "transcript_path": str(path), "cwd": str(tmp_path)}

    def send(hook: str, **extra) -> None:
        result = daemon.send(json.dumps({**base, "hook_event_name": hook, **extra}).encode())
        assert result.returncode == 0

    send("SessionStart", source="startup")  # no model, as Claude Code 2.1 sends it
    path.write_bytes(b"".join(lines))
    send("Stop")
    send("PreToolUse", tool_name="Bash", tool_use_id="t1", tool_input={"command": "ls"})
    envelopes = [json.loads(f[b"envelope"]) for f in wait_for_entries(redis_db, 3)]
    start, stop, pre = envelopes
    assert start["model"] is None and start["usage"] is None
    assert stop["model"] == SONNET and pre["model"] == SONNET and pre["usage"] is None
    usage = stop["usage"]
    assert usage["total"][SONNET] == {**SONNET_TOKENS, "cost_usd": pytest.approx(SONNET_COST)}
    assert usage["total"][HAIKU] == {**HAIKU_TOKENS, "cost_usd": pytest.approx(HAIKU_COST)}
    assert usage["since_last"] == usage["total"] and usage["caught_up"] is True
    assert usage["total_cost_usd"] == pytest.approx(SONNET_COST + HAIKU_COST)
    assert not any(b"NEVER_LEAVES" in f[b"envelope"] for _, f in redis_db.xrange("hookd:events"))
    index = redis_db.hgetall("{hookd:events}:session:sess-usage")
    assert index[b"model"].decode() == SONNET


def test_a_long_transcript_is_caught_up_a_bounded_reading_at_a_time(tmp_path):
    path = tmp_path / "t.jsonl"
    filler = json.dumps({"type": "user", "message": {"content": "z" * 1000}}) + "\n"
    path.write_text(filler * 300 + FIXTURE.read_text())  # about 300 KB before the usage lines
    tracker = UsageTracker(PriceTable(), budget_s=5, max_bytes=64 * 1024)
    try:
        usage = tracker.observe("s", "Stop", (str(path),))
        assert usage.caught_up and usage.total[SONNET].output_tokens == 300
    finally:
        tracker.close()


def test_prices_come_from_the_config_file_or_the_environment_as_json(tmp_path):
    from hookd.config import load

    config_file = tmp_path / "config.toml"
    config_file.write_text(
        '[usage_prices."claude-new-1"]\ninput = 1\noutput = 2\ncache_read = 0.1\ncache_write = 1.25\n'
    )
    config = load({"config": str(config_file)}, environ={})
    assert config.usage_prices["claude-new-1"].output == 2
    table = PriceTable(config.usage_prices)
    assert table.cost("claude-new-1-20270101", 1_000_000, 0, 0, 0, 0) == 1.0
    from_env = load(
        {}, environ={"HOOKD_USAGE_PRICES": '{"claude-x": {"input": 1, "output": 2, "cache_read": 0, "cache_write": 0}}'}
    )
    assert from_env.usage_prices["claude-x"].input == 1
