"""Red team, fifty-third pass: a Sentinel that lies about the master.

A sentinel of the test's own (lying_redis.FakeSentinel) names as master "main" an address it should
not: itself, 0.0.0.0 (every address of this machine), a host name that does not resolve; or it flips,
every second, between the real master and a read-only replica of nothing. Each: the events wait in the
spool, status is not healthy and names what answered, hookd stays up; and once the sentinel names the
real master, every event lands once, in order. Real redis-servers, real `hookd run`.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from conftest import RedisServer, free_port, log_records, stream_entries, wait_until
from lying_redis import FakeSentinel

from hookd import config as hookd_config
from hookd.control import status

pytestmark = pytest.mark.process


def _daemon(hookd_process_factory, sentinel: FakeSentinel):
    return hookd_process_factory(
        redis_url="redis://sentinel-managed/0",
        redis_sentinel=f"127.0.0.1:{sentinel.port}",
        redis_sentinel_master="main",
        redis_timeout_s="1",
        breaker_backoff_max_s="0.5",
    )


def _sessions(redis_db) -> list[str]:
    return [json.loads(e[b"envelope"])["session_id"] for e in stream_entries(redis_db)]


def _no_crash(daemon) -> None:
    assert daemon.proc.poll() is None, daemon.log_text()[-3000:]
    names = [r.get("event") for r in log_records(daemon.log_text())]
    assert "unhandled_exception" not in names and "publisher_crashed" not in names, daemon.log_text()[-3000:]


WRONG_MASTERS = {
    # the sentinel itself: it answers SCRIPT and EVALSHA as a sentinel does (unknown command)
    "itself": (lambda sentinel: ("127.0.0.1", sentinel.port), "unknown command"),
    "a_name_that_does_not_resolve": (lambda sentinel: ("redis-master.invalid", 6379), "redis-master.invalid"),
    "a_port_no_one_listens_on": (lambda sentinel: ("127.0.0.1", free_port()), "refused"),
}


@pytest.mark.parametrize("wrong", sorted(WRONG_MASTERS))
def test_a_sentinel_naming_a_wrong_master_costs_no_event(hookd_process_factory, redis_server, redis_db, wrong):
    where, named = WRONG_MASTERS[wrong]
    real = ("127.0.0.1", redis_server.port)
    sentinel = FakeSentinel(lambda: real)
    try:
        sentinel.master = (lambda address: lambda: address)(where(sentinel))
        daemon = _daemon(hookd_process_factory, sentinel)
        for i in range(3):
            daemon.send_stop(f"during-{i}")
        wait_until(lambda: sentinel.asked >= 2, timeout=30, what="hookd to ask the sentinel")
        time.sleep(2)  # the breaker's trials

        def unhealthy():
            code, document = status.gather(hookd_config.load(environ=daemon.env))
            return (code, document) if code != 0 and document["spool"]["events"] == 3 else None

        code, document = wait_until(unhealthy, timeout=30, what="status to say the master is wrong")
        said = " ".join(document["reasons"])
        assert document.get("health") != "healthy" and named in said, said
        assert redis_db.xlen("hookd:events") == 0
        _no_crash(daemon)
        sentinel.master = lambda: real
        wait_until(lambda: redis_db.xlen("hookd:events") == 3, timeout=30, what="the events, once the master is real")
        time.sleep(1)
        assert _sessions(redis_db) == [f"during-{i}" for i in range(3)]
        _no_crash(daemon)
    finally:
        sentinel.close()


def test_a_sentinel_naming_every_address_of_this_machine_is_followed(hookd_process_factory, redis_server, redis_db):
    """0.0.0.0: connect() reaches this machine's Redis there; the owner check looks at the peer's address."""
    sentinel = FakeSentinel(lambda: ("0.0.0.0", redis_server.port))
    try:
        daemon = _daemon(hookd_process_factory, sentinel)
        daemon.send_stop("zero")
        wait_until(lambda: redis_db.xlen("hookd:events") == 1, timeout=30, what="the event")
        _no_crash(daemon)
    finally:
        sentinel.close()


def test_a_sentinel_flipping_masters_every_second_costs_no_event(
    hookd_process_factory, redis_server, redis_db, tmp_path
):
    """It names the real master, then a replica (READONLY: a replica of a master that is not there), in
    turn every second; hookd's connections to the master are killed as often, so each lease asks again."""
    replica = RedisServer(tmp_path / "replica")
    replica.start()
    stop = threading.Event()
    try:
        replica.client().execute_command("REPLICAOF", "127.0.0.1", free_port())
        master, other = ("127.0.0.1", redis_server.port), ("127.0.0.1", replica.port)
        sentinel = FakeSentinel(lambda: master if int(time.monotonic()) % 2 else other)
        daemon = _daemon(hookd_process_factory, sentinel)

        def killer() -> None:
            while not stop.wait(0.5):
                redis_db.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")

        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        wanted = []
        for i in range(20):
            daemon.send_stop(f"flip-{i}")
            wanted.append(f"flip-{i}")
            time.sleep(0.25)
        wait_until(lambda: redis_db.xlen("hookd:events") >= len(wanted), timeout=60, what="every event")
        stop.set()
        thread.join(5)
        time.sleep(1)
        assert _sessions(redis_db) == wanted
        assert sentinel.asked >= 3
        _no_crash(daemon)
        records = log_records(daemon.log_text())
        # redis-py's sentinel connection turns READONLY into "The previous master is now a slave"
        met = ("read-only", "now a slave")
        assert any(m in str(r.get("error", "")) for r in records for m in met), "no batch met the replica"
        # The replica's marks are none: before, hookd said Redis had lost every event that landed.
        said = [r.get("event") for r in records]
        assert "redis_lost_events" not in said and "redis_stream_gone" not in said, daemon.log_text()[-3000:]
    finally:
        stop.set()
        sentinel.close()
        replica.stop()
