"""Fifteenth red-team pass: hookd's own keys made something else in Redis (by hand, or by another
program on the same server), and a stream that refuses an XADD half-way through a batch.

Status said "redis is down" with Redis's bare error and a line of the publish script
(`WRONGTYPE Operation against a key holding the wrong kind of value script: <sha>, on
@user_script:40.`): neither the key nor the fix. And since a Lua error undoes no write, a batch
whose XADD failed after others had landed left them without their mark: its resend added them
again. `hookd tail` on a stream key of another type said "Start Redis, or point redis_url ...":
Redis was running, and the key was the problem.
"""

from __future__ import annotations

import pytest

from conftest import wait_for_entries
from test_tail import tail
from test_redteam13_redis import numbers, send
from test_status import live_status, wait_status

MARKS = "{hookd:events}:hwm"
LAST_ID = 2**64 - 1  # a stream's greatest entry id is LAST_ID-LAST_ID


def redis_error(daemon) -> str:
    status = live_status(daemon)
    return (status or {}).get("redis", {}).get("last_error") or ""


@pytest.mark.parametrize(
    ("key", "named"),
    [(MARKS, "hookd's high-water marks, must be a hash"), ("hookd:events", "the stream, refused XADD")],
    ids=["marks", "stream"],
)
def test_a_key_of_another_type_is_named_with_the_fix(hookd_factory, redis_db, key, named):
    daemon = hookd_factory(breaker_backoff_max_s="0.2")
    redis_db.set(key, "not hookd's")
    send(daemon, 1)
    wait_status(daemon, lambda s: "WRONGTYPE" in (s["redis"]["last_error"] or ""), "the refusal")
    error = redis_error(daemon)
    assert f"the key {key}, {named}" in error, error  # on the code before: "... on @user_script:40."
    redis_db.delete(key)
    wait_for_entries(redis_db, 1)
    wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the spool drained")
    assert numbers(redis_db) == [1]


def three_spooled_with_room_for_two(daemon, redis_db) -> None:
    """Events 1-3 spooled while every batch is refused; then the stream has room for two more entries, so
    that the batch's first two events land and the third's XADD fails."""
    redis_db.set(MARKS, "not a hash")  # every batch refused: the three events wait in the spool
    for n in range(1, 4):
        send(daemon, n)
    wait_status(daemon, lambda s: s["spool"]["events"] == 3, "three events spooled")
    redis_db.xadd("hookd:events", {"envelope": "{}"}, id=f"{LAST_ID}-{LAST_ID - 2}")
    redis_db.delete(MARKS)


def test_an_xadd_refused_half_way_through_a_batch_adds_nothing_twice(hookd_factory, redis_db):
    daemon = hookd_factory(breaker_backoff_max_s="0.2")
    three_spooled_with_room_for_two(daemon, redis_db)
    wait_status(daemon, lambda s: "exhausted" in (s["redis"]["last_error"] or ""), "the stream full")
    assert "the key hookd:events, the stream, refused XADD" in redis_error(daemon)
    redis_db.rename("hookd:events", "hookd:full")  # what the fix says: a stream hookd can add to
    wait_for_entries(redis_db, 1)
    wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the spool drained")
    full = [f for _, f in redis_db.xrange("hookd:full")][1:]
    landed = sorted(numbers_of(full) + numbers(redis_db))
    assert landed == [1, 2, 3]  # on the code before: [1, 2, 2, 3]


def numbers_of(entries) -> list[int]:
    import json

    return [int(json.loads(f[b"envelope"])["payload"]["tool_input"]["command"].split()[1]) for f in entries]


def test_tail_on_a_key_that_is_not_a_stream_names_the_key_not_a_redis_to_start(hookd, redis_db):
    redis_db.set("hookd:events", "not a stream")
    done = tail(hookd, "--count", "1")
    assert done.returncode == 1
    assert "the key hookd:events is not a stream" in done.stderr, done.stderr
    assert "--stream" in done.stderr
    assert "Start Redis" not in done.stderr  # what it said before


def test_the_uis_reader_names_a_stream_key_of_another_type(redis_server, redis_db, tmp_path):
    import asyncio

    from hookd.config import Config
    from hookd.publish.connection import connect
    from hookd.publish.replies import READER_REPLY_BYTES
    from hookd.publish.settings import RedisSettings
    from hookd.ui.reader import StreamReader
    from hookd.ui.store import Store

    redis_db.set("hookd:events", "not a stream")
    settings = RedisSettings.from_config(Config(redis_url=redis_server.url, state_dir=str(tmp_path)))

    async def error_seen() -> str | None:
        live, client = connect(settings, READER_REPLY_BYTES, 1), connect(settings, READER_REPLY_BYTES, 1)
        reader = StreamReader(settings, "hookd:events", Store(100), live, client)
        task = asyncio.create_task(reader.run())
        try:
            for _ in range(100):
                if reader.error:
                    return reader.error
                await asyncio.sleep(0.02)
            return None
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await live.aclose()
            await client.aclose()

    error = asyncio.run(error_seen())
    # What the UI logs (ui_redis_failed) and shows; before, Redis's WRONGTYPE alone.
    assert error is not None and "the key hookd:events is not a stream" in error, error
