"""The publisher against a real redis-server: order, exactly-once, caps, failures."""

from __future__ import annotations

import asyncio
import json

import msgspec
import pytest
from redis.crc import key_slot
from structlog.testing import capture_logs

from conftest import free_port, sender_marks
from hookd.config import Config, ConfigError
from hookd.console.settings import load
from hookd.spool.event import Event
from hookd.publish.connection import connect
from hookd.publish.publisher import Publisher
from hookd.publish.script import batch_args, marks_key
from hookd.publish.settings import PublishSettings, RedisSettings
from hookd.publish.session_index import session_key_prefix, sessions_key
from hookd.spool import Spool
from hookd.state import DaemonState


def make_event(seq: int, host: str = "laptop") -> Event:
    envelope = msgspec.json.encode({"seq": seq, "host": host, "payload": {"n": seq}})
    return Event(seq, host, f"id-{seq}", "PreToolUse", "sess", "Bash", envelope)


def setup(tmp_path, redis_url: str, **settings) -> tuple[Publisher, Spool]:
    config = Config(
        redis_url=redis_url, state_dir=str(tmp_path), redis_timeout_s=2, redis_connect_timeout_s=0.5, **settings
    )
    spool = Spool(config.spool_dir, 1 << 20, "never")
    redis = RedisSettings.from_config(config)
    return Publisher(PublishSettings.from_config(config), redis, spool, connect(redis), DaemonState()), spool


def run(coro):
    return asyncio.run(coro)


async def publish_all(publisher: Publisher, spool: Spool, batch_size: int = 100) -> None:
    while spool.pending_events:
        batch = await spool.next_batch(batch_size, 1 << 30)
        assert await publisher.publish(batch)
    await publisher.client.aclose()


def test_events_reach_the_stream_in_order_with_flat_fields(tmp_path, redis_server, redis_db):
    publisher, spool = setup(tmp_path, redis_server.url)
    for seq in range(1, 251):
        spool.append(make_event(seq))
    run(publish_all(publisher, spool, batch_size=64))

    entries = redis_db.xrange("hookd:events")
    assert [int(f[b"seq"]) for _, f in entries] == list(range(1, 251))
    _, first = entries[0]
    assert first[b"hook"] == b"PreToolUse" and first[b"tool"] == b"Bash"
    assert first[b"session"] == b"sess" and first[b"host"] == b"laptop"
    assert json.loads(first[b"envelope"])["payload"] == {"n": 1}
    assert publisher.state.published == 250
    assert redis_db.hget(marks_key("hookd:events"), "laptop") == b"250"


def test_a_batch_sent_twice_is_added_once(tmp_path, redis_server, redis_db):
    publisher, spool = setup(tmp_path, redis_server.url)
    for seq in range(1, 11):
        spool.append(make_event(seq))

    async def crash_after_xadd_then_resend():
        batch = await spool.next_batch(100, 1 << 30)
        await publisher.script(keys=publisher.keys, args=batch_args(publisher.settings, batch.events))
        # The position was never recorded: the same batch goes out again.
        spool.rewind()
        again = await spool.next_batch(100, 1 << 30)
        assert await publisher.publish(again)
        await publisher.client.aclose()

    run(crash_after_xadd_then_resend())
    assert redis_db.xlen("hookd:events") == 10
    assert publisher.state.deduplicated == 10 and publisher.state.published == 0


def test_hosts_have_independent_marks(tmp_path, redis_server, redis_db):
    publisher, spool = setup(tmp_path, redis_server.url)
    for seq in (5, 6):
        spool.append(make_event(seq, host="a"))
    for seq in (1, 2):
        spool.append(make_event(seq, host="b"))
    run(publish_all(publisher, spool))
    assert redis_db.xlen("hookd:events") == 4
    assert sender_marks(redis_db) == {b"a": b"6", b"b": b"2"}
    assert set(redis_db.hgetall(marks_key("hookd:events"))) == {
        b"a",
        b"b",
        b" stream",
        b" stream a",
        b" stream b",
        b" last",
    }


def test_the_mark_and_the_session_index_share_the_stream_hash_slot():
    for stream in ("hookd:events", "team:{x}:events", "s", "odd{", "x{tag}y{z}"):
        slot = key_slot(stream.encode())
        assert key_slot(marks_key(stream).encode()) == slot, stream
        assert key_slot(sessions_key(stream).encode()) == slot, stream
        assert key_slot((session_key_prefix(stream) + "any-session").encode()) == slot, stream


def test_a_stream_name_no_companion_key_can_share_a_slot_with_is_refused():
    with pytest.raises(ConfigError, match="hash tag"):
        load({"stream": "a{}b"}, environ={})


def test_the_stream_is_capped_approximately(tmp_path, redis_server, redis_db):
    publisher, spool = setup(tmp_path, redis_server.url, stream_maxlen=100)
    for seq in range(1, 1001):
        spool.append(make_event(seq))
    run(publish_all(publisher, spool, batch_size=50))
    assert 100 <= redis_db.xlen("hookd:events") < 1000


def test_an_unreachable_redis_is_reported_and_nothing_is_committed(tmp_path):
    url = f"redis://:hunter2-secret@127.0.0.1:{free_port()}/0"
    publisher, spool = setup(tmp_path, url)
    spool.append(make_event(1))

    async def attempt():
        batch = await spool.next_batch(10, 1 << 30)
        with capture_logs() as logs:
            ok = await publisher.publish(batch)
        await publisher.client.aclose()
        return ok, logs

    ok, logs = run(attempt())
    assert not ok
    assert spool.pending_events == 1
    assert publisher.state.redis.state == "down"
    (line,) = [entry for entry in logs if entry["log_level"] == "warning"]
    assert line["event"] == "redis_down" and line["spooled"] == 1
    assert "refused the connection" in line["error"]
    assert "hunter2-secret" not in repr(logs)
    assert "****" in line["error"]


@pytest.mark.parametrize("maxlen", [0, 10])
def test_uncapped_and_capped_streams_both_work(tmp_path, redis_server, redis_db, maxlen):
    publisher, spool = setup(tmp_path, redis_server.url, stream_maxlen=maxlen)
    spool.append(make_event(1))
    run(publish_all(publisher, spool))
    assert redis_db.xlen("hookd:events") == 1


def test_a_batch_sent_behind_one_that_did_not_land_is_refused(tmp_path, redis_server, redis_db):
    publisher, spool = setup(tmp_path, redis_server.url)
    events = [make_event(seq) for seq in (11, 12)]

    async def send():
        config, keys = publisher.settings, publisher.keys
        refused = await publisher.script(keys=keys, args=batch_args(config, events, after=10))
        first = await publisher.script(keys=keys, args=batch_args(config, [make_event(10)]))
        accepted = await publisher.script(keys=keys, args=batch_args(config, events, after=10))
        await publisher.client.aclose()
        return refused, first, accepted

    refused, first, accepted = run(send())
    assert refused == [-1, b"0"]  # the mark as digits (a Lua number rounds past 2**53)
    assert first == [1, 0] and accepted == [2, 0]
    assert [int(f[b"seq"]) for _, f in redis_db.xrange("hookd:events")] == [10, 11, 12]


def test_streaming_publishes_every_batch_in_order(tmp_path, redis_server, redis_db):
    publisher, spool = setup(tmp_path, redis_server.url, batch_max_events=100)
    for seq in range(1, 2001):
        spool.append(make_event(seq))

    async def stream_until_drained():
        task = asyncio.create_task(publisher.stream())
        while spool.pending_events:
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await publisher.client.aclose()

    run(stream_until_drained())
    assert [int(f[b"seq"]) for _, f in redis_db.xrange("hookd:events")] == list(range(1, 2001))
    assert publisher.state.published == 2000


def test_a_connection_that_fails_in_use_is_dropped_and_never_answers_the_next_command(tmp_path, redis_server, redis_db):
    publisher, _ = setup(tmp_path, redis_server.url)

    async def history():
        with pytest.raises(RuntimeError):
            async with publisher.writer.connection() as failed:
                await failed.send_command("PING")  # its PONG is never read
                raise RuntimeError("a failure while the reply is on its way")
        dropped = not failed.is_connected
        async with publisher.writer.connection() as conn:
            await conn.send_command("ECHO", "mine")
            answer = await conn.read_response()
        kept = conn.is_connected
        await publisher.client.aclose()
        return dropped, answer, kept

    dropped, answer, kept = run(history())
    assert dropped, "a connection with a reply in flight went back to the pool connected"
    assert answer == b"mine"
    assert kept, "a connection used without error is kept for the next batch"
