"""Ninety-seventh red-team pass: each error reply of Redis's that hookd shows users, provoked on a real
redis-server, names the problem, the setting and the fix, in the log and in `hookd status`; the event
sent while it lasts is kept, and published once, when the cause is gone.

One redis-server for the file (its settings are changed and given back by each case), and a cluster-enabled
node of its own for the Cluster replies, which a plain server never gives.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from conftest import RedisServer, free_port, log_records, wait_for_entries, wait_until
from redis_proxy import RedisProxy
from test_redteam13_redis import numbers, send
from test_status import wait_status


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis97"), ("--enable-protected-configs", "yes"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_db(redis_server) -> Iterator[redis.Redis]:
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()


@dataclass
class Cause:
    code: str  # the reply's first word, as Redis says it
    words: tuple[str, ...]  # what the user is told besides: the problem, the setting or the fix
    make: Callable[[redis.Redis, Path], Callable[[], None]]  # makes the cause, returns what undoes it
    state: str = "refusing"  # status's redis.state while it lasts
    landed: tuple[int, ...] = (1, 2)  # the events in the stream at the end, each once


def _oom(db: redis.Redis, _: Path) -> Callable[[], None]:
    db.config_set("maxmemory-policy", "noeviction")
    db.config_set("maxmemory", 1)
    return lambda: db.config_set("maxmemory", 0)


def _readonly(db: redis.Redis, _: Path) -> Callable[[], None]:
    db.config_set("replica-serve-stale-data", "yes")
    db.replicaof("127.0.0.1", 1)  # nothing listens on port 1: a replica whose master is never reached
    return lambda: db.replicaof("NO", "ONE")


def _misconf(db: redis.Redis, tmp: Path) -> Callable[[], None]:
    gone = tmp / "gone"
    gone.mkdir()
    home = db.config_get("dir")["dir"]
    db.config_set("dir", str(gone))
    db.config_set("save", "3600 1")
    gone.rmdir()  # the snapshot cannot be written: Redis stops taking writes (stop-writes-on-bgsave-error)
    db.bgsave()
    wait_until(lambda: db.info("persistence")["rdb_last_bgsave_status"] == "err", 10, what="the failed save")

    def undo() -> None:
        db.config_set("dir", home)
        db.config_set("save", "")
        db.bgsave()

    return undo


def _noperm(db: redis.Redis, _: Path) -> Callable[[], None]:
    db.acl_setuser("default", enabled=True, nopass=True, commands=["-evalsha", "-eval"])
    return lambda: db.acl_setuser("default", enabled=True, nopass=True, commands=["+@all"], keys=["*"], channels=["*"])


def _wrongtype(db: redis.Redis, _: Path) -> Callable[[], None]:
    db.set("hookd:events", "not a stream")
    return lambda: db.delete("hookd:events")


def _busy(db: redis.Redis, _: Path) -> Callable[[], None]:
    db.config_set("busy-reply-threshold", 50)
    busy = redis.Redis(port=db.connection_pool.connection_kwargs["port"], socket_timeout=30)
    script = "local t = redis.call('TIME'); while true do end"
    runner = threading.Thread(target=lambda: _ends(lambda: busy.eval(script, 0)), daemon=True)
    runner.start()
    wait_until(lambda: _answer(db) == "BUSY", 10, what="Redis busy")

    def undo() -> None:
        db.script_kill()
        runner.join(10)
        busy.close()
        db.config_set("busy-reply-threshold", 5000)

    return undo


def _ends(call: Callable[[], object]) -> None:
    try:
        call()
    except redis.RedisError:
        pass  # the script killed


def _answer(db: redis.Redis) -> str:
    try:
        db.ping()
    except redis.ResponseError as exc:
        return str(exc).split(" ", 1)[0]
    return "PONG"


CAUSES = [
    Cause("OOM", ("maxmemory", "stream_maxlen"), _oom),
    Cause("READONLY", ("read-only replica", "redis_url", "redis_sentinel"), _readonly),
    Cause("MISCONF", ("snapshot", "stop-writes-on-bgsave-error", "writable dir"), _misconf),
    Cause("NOPERM", ("lacks a permission", "Redis ACL"), _noperm, "down"),  # hookd is not let in
    Cause("WRONGTYPE", ("the key hookd:events", "delete"), _wrongtype, landed=(2,)),  # event 1 went with the key
    Cause("BUSY", ("busy-reply-threshold", "SCRIPT KILL"), _busy, "busy_script"),
]


@pytest.mark.parametrize("cause", CAUSES, ids=[c.code for c in CAUSES])
def test_each_error_reply_is_said_with_its_fix_and_the_event_lands_once_it_is_gone(
    hookd_factory, redis_db, tmp_path, cause
):
    daemon = hookd_factory(breaker_backoff_max_s="0.2", redis_timeout_s="1")
    send(daemon, 1)
    wait_for_entries(redis_db, 1)
    undo = cause.make(redis_db, tmp_path)
    try:
        send(daemon, 2)
        status = wait_status(daemon, lambda s: cause.code in (s["redis"]["last_error"] or ""), cause.code)
        said = status["redis"]["last_error"]
        assert status["redis"]["state"] == cause.state, status["redis"]
        for word in cause.words:
            assert word in said, said
        logged = [r for r in log_records(daemon.log_text()) if cause.code in str(r)]
        assert any(all(word in str(r) for word in cause.words) for r in logged), logged
    finally:
        undo()
    wait_for_entries(redis_db, len(cause.landed))
    wait_status(daemon, lambda s: s["spool"]["events"] == 0 and s["redis"]["state"] == "up", "the spool drained")
    assert numbers(redis_db) == list(cause.landed)


def _settings(url: str, tmp_path: Path):
    from hookd.config import Config
    from hookd.publish.settings import RedisSettings

    return RedisSettings.from_config(Config(redis_url=url, state_dir=str(tmp_path)))


def test_a_clusters_refusals_are_said_with_their_fix(tmp_path):
    from hookd.publish.failures import describe_failure

    # a bus port of its own: the default (port + 10000) is past 65535 for a high free port, and Redis then fails
    node = RedisServer(tmp_path / "node", ("--cluster-enabled", "yes", "--cluster-port", str(free_port())))
    try:
        node.start()
        db = node.client()
        settings = _settings(node.url, tmp_path)
        with pytest.raises(redis.exceptions.ClusterDownError) as down:
            db.xadd("hookd:events", {"envelope": "{}"})  # no slot served yet
        said = describe_failure(settings, down.value)
        # before: "answered with an error (ClusterDownError): Hash slot not served", no code, no fix
        assert "CLUSTERDOWN Hash slot not served" in said and "redis-cli --cluster fix" in said, said
        db.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        wait_until(lambda: db.cluster("info")["cluster_state"] == "ok", 10, what="the cluster up")
        with pytest.raises(redis.exceptions.ClusterCrossSlotError) as cross:
            db.mset({"{a}x": 1, "{b}y": 2})
        said = describe_failure(settings, cross.value)
        assert "CROSSSLOT" in said and "hash tag" in said and "redis_cluster = true" in said, said
        db.close()
    finally:
        node.stop()


class _Answers(RedisProxy):
    """Answers PING with ``reply``, raw; every other command served by Redis."""

    reply = b""

    def intercept(self, command, client, server, lock) -> bool:
        if b"PING" not in command.upper():
            return False
        with lock:
            client.sendall(self.reply)
        return True


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (b":99999999999999999999999\r\n", ("Bad integer value", "not Redis's protocol", "redis_url")),
        (b"-LOADING Redis is loading the dataset in memory\r\n", ("LOADING Redis is loading", "loading its dataset")),
        (b"-NOSCRIPT No matching script.\r\n", ("NOSCRIPT No matching", "SCRIPT FLUSH")),
    ],
    ids=["bad-integer", "loading", "noscript"],
)
def test_a_reply_redis_py_takes_apart_is_said_as_redis_said_it_with_the_fix(redis_server, tmp_path, reply, words):
    from hookd.publish.connection import connect_sync
    from hookd.publish.failures import describe_failure, sentinel_reason

    proxy = _Answers(("127.0.0.1", redis_server.port))
    proxy.reply = reply
    try:
        settings = _settings(f"redis://127.0.0.1:{proxy.port}/0", tmp_path)
        client = connect_sync(settings)
        with pytest.raises(redis.exceptions.RedisError) as failed:
            client.ping()
        client.close()
        said = describe_failure(settings, failed.value)
        for word in words:
            assert word in said, said
        if isinstance(failed.value, redis.exceptions.InvalidResponse):  # a sentinel's answer so, as said of it
            reason = sentinel_reason(settings, failed.value)
            assert "Bad integer value" in reason and "redis_sentinel" in reason, reason
    finally:
        proxy.close()
