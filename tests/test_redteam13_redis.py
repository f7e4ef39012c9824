"""Thirteenth red-team pass: a real redis-server that misbehaves (never-stall). A session's hash of
another type (WRONGTYPE after the script has XADDed), and a server that holds every command
(DEBUG SLEEP): events kept, each in the stream once, status says why, recovery without a restart."""

from __future__ import annotations

import json
import threading

import pytest
import redis

from conftest import RedisServer, stream_entries, wait_for_entries
from test_status import live_status, wait_status


def send(daemon, n: int, session: str = "s13", hook: str = "PostToolUse") -> None:
    body = json.dumps(
        {
            "hook_event_name": hook,
            "session_id": session,
            "tool_name": "Bash",
            "tool_input": {"command": f"echo {n}"},
        }
    ).encode()
    sent = daemon.send(body)
    assert (sent.returncode, sent.stdout, sent.stderr) == (0, b"", b"")


def numbers(client) -> list[int]:
    return [
        int(json.loads(f[b"envelope"])["payload"]["tool_input"]["command"].split()[1]) for f in stream_entries(client)
    ]


def test_a_session_hash_of_another_type_costs_no_event_and_no_repeat(hookd_factory, redis_db):
    daemon = hookd_factory(breaker_backoff_max_s="0.5")
    send(daemon, 0)
    wait_for_entries(redis_db, 1)
    redis_db.delete("{hookd:events}:session:s13")
    redis_db.set("{hookd:events}:session:s13", "not a hash")
    for n in range(1, 4):
        send(daemon, n)
    wait_for_entries(redis_db, 4)
    wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the spool drained")
    status = live_status(daemon)
    assert numbers(redis_db) == [0, 1, 2, 3]
    assert status["counters"].get("skipped_unsent", 0) == 0
    # The count and what status says of the key: tests/test_redteam14_redis.py.


@pytest.fixture
def sleepy_redis(tmp_path):
    server = RedisServer(tmp_path / "sleepy-redis", ("--enable-debug-command", "yes"))
    server.start()
    yield server
    server.stop()


def test_a_redis_that_holds_every_command_is_named_and_every_event_lands_once(hookd_factory, sleepy_redis):
    daemon = hookd_factory(redis_url=sleepy_redis.url, redis_timeout_s="1", breaker_backoff_max_s="0.5")
    client = sleepy_redis.client()
    send(daemon, 0)
    wait_for_entries(client, 1)
    sleeper = threading.Thread(
        target=lambda: redis.Redis(port=sleepy_redis.port, socket_timeout=30).execute_command("DEBUG", "SLEEP", "6")
    )
    sleeper.start()
    try:
        for n in range(1, 6):
            send(daemon, n)
        down = wait_status(daemon, lambda s: s["redis"]["state"] == "down", "redis down", timeout=60)
        assert "did not answer within 1s" in down["redis"]["last_error"]
    finally:
        sleeper.join()
    wait_for_entries(client, 6)
    wait_status(daemon, lambda s: s["spool"]["events"] == 0 and s["redis"]["state"] == "up", "drained", timeout=20)
    assert numbers(client) == [0, 1, 2, 3, 4, 5]
