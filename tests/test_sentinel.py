"""hookd behind Redis Sentinel: the master is SIGKILLed while events flow, the sentinel
promotes a replica, and hookd spools, follows the new master and replays.

Checked by content as in test_faults. With redis_wait_replicas=1 (and a second replica, so
that the new master has one to wait for) every event must be in the stream exactly once;
without it, Redis may lose what the old master acknowledged and had not yet replicated,
and nothing else.
"""

from __future__ import annotations

import json
import threading

import pytest
from redis_topologies import SentinelSetup, assert_failover_outcome
from test_faults import ClientSender, FramedSender, log_mentions, log_records, running

from conftest import wait_until
from test_status import hookd_cli, wait_status
from test_tail import tail

STREAM = "hookd:events"


def log_count(daemon, text: str) -> int:
    return sum(text in json.dumps(r) for r in log_records(daemon))


@pytest.fixture
def sentinel_setup(request, tmp_path):
    setup = SentinelSetup(tmp_path / "sentinel-setup", replicas=getattr(request, "param", 1))
    setup.start()
    yield setup
    setup.stop()


def sentinel_hookd(hookd_factory, setup: SentinelSetup, **settings):
    # The URL's host is not used: the sentinel names the master.
    return hookd_factory(
        redis_url="redis://unused.invalid:1/0",
        redis_sentinel=setup.sentinels,
        redis_sentinel_master=setup.master_name,
        **settings,
    )


@pytest.mark.parametrize("sentinel_setup, wait", [(1, 0), (2, 1)], ids=["async", "wait-1"], indirect=["sentinel_setup"])
def test_events_flow_through_a_sentinel_failover_once_and_in_order(hookd_factory, sentinel_setup, wait):
    setup = sentinel_setup
    daemon = sentinel_hookd(hookd_factory, setup, redis_wait_replicas=str(wait))
    stop = threading.Event()
    real = ClientSender(daemon, "client", interval=0.05, stop=stop)
    raws = [FramedSender(daemon, f"raw{i}", chunk=10, rate=300, stop=stop) for i in range(2)]
    old = setup.master
    with running(real, *raws):
        wait_until(lambda: old.client().xlen(STREAM) >= 300, timeout=30, what="events before the kill")
        old.kill()
        wait_until(lambda: log_mentions(daemon, '"redis_down"'), timeout=30, what="hookd to notice the master is gone")
        wait_until(lambda: setup.current_master() is not old, timeout=60, what="the sentinel to promote a replica")
        new = setup.current_master()
        if wait:
            wait_until(
                lambda: setup.in_sync(new, replicas=1), timeout=60, what="the other replica to follow the new master"
            )
        published_before = new.client().xlen(STREAM)
        wait_until(
            lambda: new.client().xlen(STREAM) >= published_before + 300,
            timeout=60,
            what="events published to the new master",
        )
        stop.set()
    assert real.problems == [] and all(s.problems == [] for s in raws)
    assert all(s.inboxed == 0 for s in raws) and real.outcomes["inbox"] == 0
    assert_failover_outcome(daemon, new.client(), (real, *raws), wait)
    assert new.noscript_refusals() == 0  # the new master had the script before its first batch


def test_a_wait_no_replica_can_satisfy_keeps_events_spooled_until_one_can(hookd_factory, sentinel_setup):
    setup = sentinel_setup
    daemon = sentinel_hookd(hookd_factory, setup, redis_wait_replicas="1")
    replica = setup.replicas[0]
    master = setup.master.client()
    replica.stop()
    wait_until(lambda: setup.in_sync(setup.master, replicas=0), what="the master to see no replica")
    reply = daemon.request(b"HOOKD/1 2\n{}")
    assert reply.startswith(b"OK "), reply
    wait_until(
        lambda: log_mentions(daemon, "0 of 1 replicas confirmed a batch"),
        timeout=30,
        what="hookd to say the replica did not confirm",
    )
    # The script ran on the master; the spool keeps the event until a replica has it.
    assert master.xlen(STREAM) == 1
    wait_status(daemon, lambda s: s["redis"]["state"] == "unconfirmed", "status to say replicas behind")
    reasons = json.loads(hookd_cli(daemon.env, "status", "--json").stdout)["reasons"]
    assert any(r.startswith("Redis takes the batches but too few replicas confirm them") for r in reasons), reasons
    assert "replicas behind for" in hookd_cli(daemon.env, "status").stdout
    ups = log_count(daemon, '"redis_up"')
    replica.start()
    wait_until(lambda: setup.in_sync(setup.master), timeout=30, what="the replica to come back")
    wait_until(lambda: log_count(daemon, '"redis_up"') > ups, timeout=30, what="hookd to publish again")
    assert master.xlen(STREAM) == 1 and replica.client().xlen(STREAM) == 1
    assert daemon.stop() == 0


def test_tail_follows_the_master_the_sentinel_names(hookd_factory, sentinel_setup):
    daemon = sentinel_hookd(hookd_factory, sentinel_setup)
    for n in range(3):
        assert daemon.request(b'HOOKD/1 %d\n{"n":%d}' % (len(b'{"n":0}'), n)).startswith(b"OK ")
    wait_until(lambda: sentinel_setup.master.client().xlen(STREAM) == 3, what="three events")
    shown = tail(daemon, "--since", "1h", "--count", "3", "--json")
    assert shown.returncode == 0, shown.stderr
    assert [json.loads(line)["payload"]["n"] for line in shown.stdout.splitlines()] == [0, 1, 2]
    assert daemon.stop() == 0
