"""Red team, fifty-third pass: a Redis that lies.

Between hookd and a real redis-server stands a RESP server of the test's own (lying_redis.py), which
passes each command to Redis and may answer the batch's EVALSHA in Redis's place: with each error a
Redis answers for its own state (-LOADING, -BUSY, -READONLY, -MASTERDOWN, -OOM, -NOREPLICAS,
-MISCONF), with replies of RESP3's types that no script returns, one byte at a time, twice (the second
read as the answer of a request never sent), followed by a reply nobody asked for, or cut mid-reply.
Each: no event lost or doubled (the spool keeps the batch), status not healthy and naming what
answered, hookd up, and once Redis's own replies come back, every event lands once, in order.
"""

from __future__ import annotations

import json
import time

import pytest
from conftest import log_records, stream_entries, wait_for_entries, wait_until
from lying_redis import LyingRedis, answer, byte_by_byte, cut_mid_reply, passed, repeated, then

from hookd import config as hookd_config
from hookd.control import status

# Each error as a Redis in that state words it, and the words status must show of it.
ERRORS = {
    "loading": (b"-LOADING Redis is loading the dataset in memory\r\n", "loading its dataset"),
    "busy": (b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n", "BUSY"),
    "readonly": (b"-READONLY You can't write against a read only replica.\r\n", "read-only replica"),
    "masterdown": (
        b"-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n",
        "MASTERDOWN",
    ),
    "oom": (b"-OOM command not allowed when used memory > 'maxmemory'.\r\n", "maxmemory"),
    "noreplicas": (b"-NOREPLICAS Not enough good replicas to write.\r\n", "min-replicas-to-write"),
    "misconf": (
        b"-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.\r\n",
        "MISCONF",
    ),
}
# Replies of RESP3's types, which no script answers (hookd speaks RESP2): none is a batch's counts.
SHAPES = {
    "null": b"_\r\n",
    "double": b",2.5\r\n",
    "boolean": b"#t\r\n",
    "big_number": b"(3492890328409238509324850943850943825024385\r\n",
    "map_of_counts": b"%1\r\n:7\r\n:0\r\n",
    "set_of_counts": b"~2\r\n:7\r\n:0\r\n",
    "verbatim": b"=8\r\ntxt:7 0\r\n",
    "blob_error": b"!11\r\nERR nothing\r\n",
    "push": b">2\r\n$7\r\nmessage\r\n:7\r\n",
}
SENT = 6


def _batches(server: LyingRedis) -> int:
    return server.batches()


def _daemon(hookd_factory, server: LyingRedis):
    return hookd_factory(
        redis_url=f"redis://127.0.0.1:{server.port}/0",
        redis_timeout_s="1",
        breaker_backoff_max_s="0.5",
        publish_linger_ms="200",
    )


def _sessions(redis_db) -> list[str]:
    return [json.loads(e[b"envelope"])["session_id"] for e in stream_entries(redis_db)]


def _all_land_once(daemon, redis_db) -> None:
    wanted = ["before"] + [f"during-{i}" for i in range(SENT)]
    wait_for_entries(redis_db, len(wanted), timeout=30)
    time.sleep(1)  # a repeat, if any, would land meanwhile
    assert _sessions(redis_db) == wanted
    names = [r.get("event") for r in log_records(daemon.log_text())]
    assert "unhandled_exception" not in names and "publisher_crashed" not in names, daemon.log_text()[-3000:]


def _lied_to(hookd_factory, redis_server, redis_db, lie) -> tuple:
    """hookd behind a LyingRedis whose EVALSHA gets ``lie`` (an Act) after a first event landed; the
    events sent while it lies, and status once two batches met it."""
    server = LyingRedis(redis_server.port)
    daemon = _daemon(hookd_factory, server)
    daemon.send_stop("before")
    wait_for_entries(redis_db, 1)
    server.act = lambda words: lie if words[0].upper() == b"EVALSHA" else passed
    start = _batches(server)
    for i in range(SENT):
        daemon.send_stop(f"during-{i}")
    wait_until(lambda: _batches(server) >= start + 2, timeout=30, what="two batches to meet the lie")
    time.sleep(1)  # the breaker's trials meet it too
    return server, daemon, status.gather(hookd_config.load(environ=daemon.env))


@pytest.mark.parametrize("error", sorted(ERRORS))
def test_an_error_for_redis_own_state_keeps_the_batch_and_is_named(hookd_factory, redis_server, redis_db, error):
    reply, named = ERRORS[error]
    server, daemon, (code, document) = _lied_to(hookd_factory, redis_server, redis_db, answer(reply))
    try:
        said = " ".join(document.get("reasons", []))
        assert code != 0 and document.get("health") != "healthy", document
        assert named in said, said
        # It answers: not "down", whose fix (start Redis where redis_url points) is the wrong one.
        assert document["redis"]["state"] != "down" and "start Redis" not in said, said
        assert document["spool"]["events"] >= 1, document["spool"]
        config = hookd_config.load(environ=daemon.env)
        wait_until(
            lambda: status.gather(config)[1]["breaker"]["state"] != "closed", timeout=30, what="the breaker to open"
        )
        server.act = lambda words: passed
        _all_land_once(daemon, redis_db)
    finally:
        server.close()


# Each keeps the batch: a reply of a type no script returns, or Redis's reply cut mid-way after Redis ran
# the batch (sent again, it is skipped by the mark: nothing twice).
KEPT = {**{shape: answer(reply) for shape, reply in SHAPES.items()}, "cut_mid_reply": cut_mid_reply}


@pytest.mark.parametrize("lie", sorted(KEPT))
def test_a_reply_that_is_no_batchs_counts_keeps_the_batch(hookd_factory, redis_server, redis_db, lie):
    server, daemon, (code, document) = _lied_to(hookd_factory, redis_server, redis_db, KEPT[lie])
    try:
        assert code != 0 and document.get("health") != "healthy", document
        assert document["spool"]["events"] >= 1, document["spool"]
        server.act = lambda words: passed
        _all_land_once(daemon, redis_db)
    finally:
        server.close()


def test_replies_split_byte_by_byte_are_read_whole(hookd_factory, redis_server, redis_db):
    """Every reply of every command in segments of a byte: nothing fails, nothing is said."""
    server = LyingRedis(redis_server.port)
    server.act = lambda words: byte_by_byte
    try:
        daemon = _daemon(hookd_factory, server)
        daemon.send_stop("before")
        for i in range(SENT):
            daemon.send_stop(f"during-{i}")
        _all_land_once(daemon, redis_db)
        code, document = status.gather(hookd_config.load(environ=daemon.env))
        assert code == 0 and document["health"] == "healthy", document
    finally:
        server.close()


# After Redis's reply to a batch, a reply to a request never sent: the batch's own counts again, or
# counts of another batch, or an error; each is read as the answer of the command after it.
UNASKED = {
    "repeated": repeated,
    "counts_of_a_batch_never_sent": then(b"*2\r\n:1\r\n:0\r\n"),
    "an_error": then(b"-ERR unasked\r\n"),
    "simple_string": then(b"+OK\r\n"),
}


@pytest.mark.parametrize("unasked", sorted(UNASKED))
def test_a_reply_to_a_request_never_sent_loses_and_doubles_nothing(hookd_factory, redis_server, redis_db, unasked):
    server = LyingRedis(redis_server.port)
    try:
        daemon = _daemon(hookd_factory, server)
        daemon.send_stop("before")
        wait_for_entries(redis_db, 1)
        lie = UNASKED[unasked]
        server.act = lambda words: lie if words[0].upper() == b"EVALSHA" else passed
        start = _batches(server)
        for i in range(SENT):  # one batch each, as far as the linger goes
            daemon.send_stop(f"during-{i}")
            time.sleep(0.4)
        wait_until(lambda: _batches(server) >= start + 3, timeout=30, what="three batches to meet the lie")
        # Whatever was read as a batch's answer, every event lands once (with the lie on, and after it).
        wanted = ["before"] + [f"during-{i}" for i in range(SENT)]
        wait_until(lambda: len(stream_entries(redis_db)) >= len(wanted), timeout=30, what="every event")
        server.act = lambda words: passed
        daemon.send_stop(f"during-{SENT}")
        wanted.append(f"during-{SENT}")
        wait_until(lambda: len(stream_entries(redis_db)) >= len(wanted), timeout=30, what="the event after")
        time.sleep(1)
        assert _sessions(redis_db) == wanted, daemon.log_text()[-3000:]
    finally:
        server.close()


def test_counts_for_a_batch_redis_never_ran_are_said_as_a_loss_at_the_next_batch(hookd_factory, redis_server, redis_db):
    """The limit of what a client can tell: a server that answers a batch's counts without running it
    is believed, and the batch let go. The next batch carries what landed, the mark is short of it, and
    the loss is said (redis_lost_events, on status), not left silent; the events after land once."""
    server = LyingRedis(redis_server.port)
    try:
        daemon = _daemon(hookd_factory, server)
        daemon.send_stop("before")
        wait_for_entries(redis_db, 1)
        lies = [answer(b"*2\r\n:1\r\n:0\r\n")]  # once: a batch of one event, never sent to Redis
        server.act = lambda words: lies.pop() if lies and words[0].upper() == b"EVALSHA" else passed
        daemon.send_stop("believed")
        wait_until(lambda: not lies, timeout=30, what="the batch answered in Redis's place")
        time.sleep(0.5)
        daemon.send_stop("after")
        wait_until(lambda: "after" in _sessions(redis_db), timeout=30, what="the event after")
        said = [r for r in log_records(daemon.log_text()) if r.get("event") == "redis_lost_events"]
        assert len(said) == 1, daemon.log_text()[-3000:]
        code, document = status.gather(hookd_config.load(environ=daemon.env))
        assert any("Redis lost events" in lost for lost in document["redis"].get("lost", [])), document["redis"]
        assert _sessions(redis_db) == ["before", "after"]
    finally:
        server.close()
