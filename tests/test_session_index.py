"""The session index and the PUBLISH channel, on a real daemon and a real Redis."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import time

import pytest

from conftest import CORPUS, wait_for_entries, wait_until
from hookd.cli import main
from hookd.config import Config
from hookd.spool.event import Event
from hookd.publish.connection import connect
from hookd.publish.script import PUBLISH_BATCH, batch_args, script_keys
from hookd.publish.settings import PublishSettings, RedisSettings

SESSION, CWD = (json.loads((CORPUS / "stop.json").read_bytes())[key] for key in ("session_id", "cwd"))
HASH = "{hookd:events}:session:" + SESSION
SESSIONS = "{hookd:events}:sessions"
RETENTION = 7 * 24 * 3600

# A session as Claude Code would send it, event by event, from the corpus.
SCRIPT = [
    "session_start_startup",
    "user_prompt_submit",
    "pre_tool_use_edit",
    "post_tool_use_edit",
    "pre_tool_use_write",
    "post_tool_use_write",
    "pre_tool_use_mcp",
    "pre_tool_use_bash",
    "post_tool_use_failure",
    "post_tool_use_grep",
    "notification",
    "stop",
    "session_end",
]
HOOK_COUNTS = {
    "SessionStart": 1,
    "UserPromptSubmit": 1,
    "PreToolUse": 4,
    "PostToolUse": 3,
    "PostToolUseFailure": 1,
    "Notification": 1,
    "Stop": 1,
    "SessionEnd": 1,
}


def send_script(daemon, names=SCRIPT) -> None:
    for name in names:
        result = daemon.send((CORPUS / f"{name}.json").read_bytes())
        assert result.returncode == 0, result


def decoded(mapping: dict) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in mapping.items()}


@pytest.fixture(autouse=True)
def no_hookd_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("HOOKD_"):
            monkeypatch.delenv(name)


def test_a_scripted_session_fills_its_hash_and_the_sorted_set(hookd_factory, redis_db):
    daemon = hookd_factory(host="laptop-7")
    before_ms = time.time_ns() // 1_000_000
    send_script(daemon)
    entries = wait_for_entries(redis_db, len(SCRIPT))
    after_ms = time.time_ns() // 1_000_000

    fields = decoded(redis_db.hgetall(HASH))
    hooks = {k.removeprefix("hook:"): int(v) for k, v in fields.items() if k.startswith("hook:")}
    assert hooks == HOOK_COUNTS
    assert fields["host"] == "laptop-7"
    assert fields["cwd"] == CWD
    assert fields["model"] == "claude-sonnet-4-5"
    assert int(fields["events"]) == len(SCRIPT)
    assert int(fields["tool_calls"]) == 4  # PostToolUse and PostToolUseFailure
    assert int(fields["tool_failures"]) == 1
    assert fields["last_tool"] == "Grep"  # the last event that named a tool
    assert fields["last_hook"] == "SessionEnd"
    first, last = int(fields["first_seen_ms"]), int(fields["last_seen_ms"])
    assert before_ms <= first <= last <= after_ms
    envelopes = [json.loads(e[b"envelope"]) for e in entries]
    assert last == max(_ms(e["received_at"]) for e in envelopes)
    assert first == min(_ms(e["received_at"]) for e in envelopes)

    assert redis_db.zrange(SESSIONS, 0, -1, withscores=True) == [(SESSION.encode(), float(last))]
    assert RETENTION - 120 < redis_db.ttl(HASH) <= RETENTION
    assert RETENTION - 120 < redis_db.ttl(SESSIONS) <= RETENTION

    # The envelopes carry the enrichment the index was fed from.
    by_name = dict(zip(SCRIPT, envelopes))
    assert by_name["post_tool_use_edit"]["duration_ms"] is not None
    assert by_name["post_tool_use_failure"]["duration_ms"] == 143
    assert by_name["stop"]["model"] == "claude-sonnet-4-5"
    assert by_name["pre_tool_use_mcp"]["mcp_server"] == "github"


def _ms(received_at: str) -> int:
    return int(datetime.datetime.fromisoformat(received_at).timestamp() * 1000)


def test_the_retention_setting_sets_the_expiry(hookd_factory, redis_db):
    daemon = hookd_factory(session_retention_s="3600")
    send_script(daemon, ["session_start_startup", "stop"])
    wait_for_entries(redis_db, 2)
    assert 3600 - 120 < redis_db.ttl(HASH) <= 3600
    assert 3600 - 120 < redis_db.ttl(SESSIONS) <= 3600


def test_sessions_are_counted_apart_and_events_without_a_session_are_not_indexed(hookd_factory, redis_db):
    daemon = hookd_factory()
    send_script(daemon, ["session_start_startup", "stop"])
    other = json.loads((CORPUS / "pre_tool_use_bash.json").read_bytes())
    other["session_id"] = "other-session"
    assert daemon.send(json.dumps(other).encode()).returncode == 0
    assert daemon.send(b'{"hook_event_name": "Stop"}').returncode == 0
    wait_for_entries(redis_db, 4)
    assert sorted(redis_db.zrange(SESSIONS, 0, -1)) == sorted([SESSION.encode(), b"other-session"])
    other_hash = decoded(redis_db.hgetall("{hookd:events}:session:other-session"))
    assert other_hash["events"] == "1" and other_hash["hook:PreToolUse"] == "1"
    assert other_hash["last_tool"] == "Bash" and "model" not in other_hash
    assert decoded(redis_db.hgetall(HASH))["events"] == "2"
    assert redis_db.keys("{hookd:events}:session:") == []


def test_a_replayed_duplicate_does_not_double_the_counts(hookd_factory, redis_server, redis_db, tmp_path, capsys):
    daemon = hookd_factory()
    send_script(daemon)
    entries = wait_for_entries(redis_db, len(SCRIPT))
    before = redis_db.hgetall(HASH)
    assert daemon.stop() == 0

    exported = tmp_path / "stream.jsonl"
    exported.write_bytes(b"\n".join(e[b"envelope"] for e in entries) + b"\n")
    (tmp_path / "empty.toml").write_text("")
    code = main(
        [
            "replay",
            "--config",
            str(tmp_path / "empty.toml"),
            "--state-dir",
            str(tmp_path / "replay-state"),
            "--redis-url",
            redis_server.url,
            "--file",
            str(exported),
        ]
    )
    assert code == 0 and f"added 0, skipped {len(SCRIPT)}" in capsys.readouterr().out
    assert redis_db.hgetall(HASH) == before
    assert redis_db.xlen("hookd:events") == len(SCRIPT)


def test_a_batch_sent_twice_is_indexed_once(redis_server, redis_db, tmp_path):
    config = Config(redis_url=redis_server.url, state_dir=str(tmp_path))
    now_ns = time.time_ns()
    events = [_event(seq, "PostToolUse" if seq % 2 else "PreToolUse", now_ns + seq * 1_000_000) for seq in range(1, 7)]
    first, again = asyncio.run(_run_script(config, [events, events]))
    assert (first, again) == ([6, 0], [0, 6])
    fields = decoded(redis_db.hgetall("{hookd:events}:session:s1"))
    assert (fields["events"], fields["hook:PostToolUse"], fields["tool_calls"]) == ("6", "3", "3")
    assert fields["first_seen_ms"] == str((now_ns + 1_000_000) // 1_000_000)
    assert fields["last_seen_ms"] == str((now_ns + 6_000_000) // 1_000_000)


def test_interleaved_sessions_in_one_batch_keep_their_own_latest_cwd_and_model(redis_server, redis_db, tmp_path):
    config = Config(redis_url=redis_server.url, state_dir=str(tmp_path))
    now_ns = time.time_ns()
    first = [
        _event(1, "SessionStart", now_ns, session="a", cwd="/a/1", model="m-a"),
        _event(2, "SessionStart", now_ns + 1, session="b", cwd="/b/1", model="m-b"),
        _event(3, "PreToolUse", now_ns + 2, session="a", cwd="/a/2", model="m-a"),
    ]
    # b's latest event has neither: what the hash has is kept, not overwritten.
    second = [_event(4, "Stop", now_ns + 3, session="b", cwd="", model="")]
    asyncio.run(_run_script(config, [first, second]))
    a = decoded(redis_db.hgetall("{hookd:events}:session:a"))
    b = decoded(redis_db.hgetall("{hookd:events}:session:b"))
    assert (a["cwd"], a["model"], a["events"], a["last_hook"]) == ("/a/2", "m-a", "2", "PreToolUse")
    assert (b["cwd"], b["model"], b["events"], b["last_hook"]) == ("/b/1", "m-b", "2", "Stop")


def test_sessions_idle_longer_than_the_retention_leave_the_sorted_set(redis_server, redis_db, tmp_path):
    config = Config(redis_url=redis_server.url, state_dir=str(tmp_path), session_retention_s=3600)
    now_ns = time.time_ns()
    hour_ns = 3600 * 10**9
    idle = _event(1, "Stop", now_ns - hour_ns + 5 * 10**9, session="idle")  # 5 s left to live
    gone = _event(2, "Stop", now_ns - 2 * hour_ns, session="long-gone")  # from a replayed file
    fresh = _event(3, "Stop", now_ns, session="fresh")
    asyncio.run(_run_script(config, [[idle, gone]]))
    assert redis_db.zrange(SESSIONS, 0, -1) == [b"idle"]
    assert not redis_db.exists("{hookd:events}:session:long-gone")
    assert 0 < redis_db.pttl("{hookd:events}:session:idle") <= 5000
    redis_db.zadd(SESSIONS, {"idle": (now_ns - 2 * hour_ns) // 1_000_000})  # as if time had passed
    asyncio.run(_run_script(config, [[fresh]]))
    assert redis_db.zrange(SESSIONS, 0, -1) == [b"fresh"]


def test_the_index_can_be_turned_off(hookd_factory, redis_db):
    daemon = hookd_factory(session_index="false")
    send_script(daemon, ["session_start_startup", "stop"])
    wait_for_entries(redis_db, 2)
    assert sorted(redis_db.keys("*")) == [b"hookd:events", b"{hookd:events}:hwm"]


def test_the_channel_delivers_each_envelope_when_enabled(hookd_factory, redis_server, redis_db):
    daemon = hookd_factory(publish_channel="hooksdata")
    pubsub = redis_server.client().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe("hooksdata")
    wait_until(lambda: redis_db.pubsub_numsub("hooksdata")[0][1] == 1, what="the subscription")
    send_script(daemon)
    entries = wait_for_entries(redis_db, len(SCRIPT))
    received = []
    wait_until(lambda: _drain(pubsub, received) >= len(SCRIPT), what="published envelopes")
    assert received == [e[b"envelope"] for e in entries]
    pubsub.close()


def test_nothing_is_published_when_no_channel_is_set(hookd_factory, redis_server, redis_db):
    daemon = hookd_factory()
    pubsub = redis_server.client().pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe("*")
    wait_until(lambda: redis_db.pubsub_numpat() == 1, what="the subscription")
    send_script(daemon, ["session_start_startup", "stop"])
    wait_for_entries(redis_db, 2)
    # A marker published after the events arrives after anything they published.
    redis_db.publish("marker", "end")
    received = []
    wait_until(lambda: _drain(pubsub, received) and b"end" in received, what="the marker")
    assert received == [b"end"]
    pubsub.close()


def _drain(pubsub, received: list) -> int:
    while (message := pubsub.get_message(timeout=0.05)) is not None:
        received.append(message["data"])
    return len(received)


def _event(seq: int, hook: str, received_ns: int, session: str = "s1", cwd: str = "/w", model: str = "m") -> Event:
    envelope = json.dumps(
        {
            "seq": seq,
            "host": "h",
            "hook": hook,
            "session_id": session,
            "model": model or None,
            "payload": {"cwd": cwd} if cwd else {},
        }
    ).encode()
    return Event(seq, "h", f"id-{seq}", hook, session, "Bash", envelope, "", received_ns)


async def _run_script(config: Config, batches: list[list[Event]]) -> list:
    client = connect(RedisSettings.from_config(config))
    script = client.register_script(PUBLISH_BATCH)
    settings = PublishSettings.from_config(config)
    try:
        return [await script(keys=script_keys(config.stream), args=batch_args(settings, batch)) for batch in batches]
    finally:
        await client.aclose()
