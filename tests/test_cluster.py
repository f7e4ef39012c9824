"""hookd on a real three-master Redis Cluster: the batch goes to the master of the stream's
slot, follows the slot when it moves or its master fails, and every event lands once.

Events are checked by content, as in test_faults: each sender's numbers must be in the
stream exactly once and in order, and a closing event is waited for rather than a time.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import subprocess
import sys
import threading

import pytest
from redis_topologies import Cluster, assert_failover_outcome
from test_faults import (
    FramedSender,
    assert_each_sender_exactly_once_in_order,
    finish,
    log_mentions,
    running,
    send_framed,
)

from conftest import REPO, free_port, wait_until
from hookd.config import Config, ConfigError
from hookd.console.settings import load
from hookd.publish.connection import connect
from hookd.publish.publisher import Publisher
from hookd.publish.script import batch_args, batch_keys
from hookd.publish.settings import PublishSettings, RedisSettings
from hookd.spool import Spool
from hookd.state import DaemonState
from secure_redis import hookd_cli
from test_cluster_migration import SlotMove
from test_publisher import make_event
from test_replay import envelope, write_jsonl
from test_status import wait_status
from test_tail import tail

STREAM = "hookd:events"


def test_events_published_to_a_cluster_land_once_with_their_index_in_the_stream_slot(hookd_factory, empty_cluster):
    cluster, client = empty_cluster
    daemon = hookd_factory(redis_url=cluster.url, redis_cluster="true")
    senders = [send_framed(daemon, f"raw{i}", 400) for i in range(3)]

    entries = finish(daemon, client)
    assert_each_sender_exactly_once_in_order(entries, {s.sender: s.handed for s in senders})
    owner = cluster.owner(STREAM)
    keys = sorted(owner.client().keys("*"))
    assert keys == sorted(
        [
            STREAM.encode(),
            b"{hookd:events}:hwm",
            b"{hookd:events}:sessions",
            b"{hookd:events}:session:fault-end",
            *(f"{{hookd:events}}:session:fault-raw{i}".encode() for i in range(3)),
        ]
    )
    assert [n.client().dbsize() for n in cluster.live() if n is not owner] == [0, 0]
    assert client.hget("{hookd:events}:session:fault-raw1", "events") == b"400"
    assert daemon.stop() == 0


def test_a_batch_sent_again_to_a_cluster_is_added_once(tmp_path, empty_cluster):
    cluster, client = empty_cluster
    config = Config(
        redis_url=cluster.url,
        redis_cluster=True,
        state_dir=str(tmp_path),
        redis_timeout_s=2,
        redis_connect_timeout_s=0.5,
    )
    spool = Spool(config.spool_dir, 1 << 20, "never")
    redis, settings = RedisSettings.from_config(config), PublishSettings.from_config(config)
    publisher = Publisher(settings, redis, spool, connect(redis), DaemonState())
    for seq in range(1, 11):
        spool.append(make_event(seq))

    async def send_twice():
        batch = await spool.next_batch(100, 1 << 30)
        first = await publisher.send(batch_keys(settings, batch.events), batch_args(settings, batch.events))
        spool.rewind()  # as after a crash before the position was recorded
        assert await publisher.publish(await spool.next_batch(100, 1 << 30))
        await publisher.client.aclose()
        return first

    assert asyncio.run(send_twice())[:2] == (10, 0)
    assert client.xlen(STREAM) == 10
    assert (publisher.state.published, publisher.state.deduplicated) == (0, 10)


def migrate_slot(cluster: Cluster, key: str, target_port: int) -> None:
    """Move the key's slot to another master the way redis-cli --cluster reshard does."""
    source = cluster.owner(key)
    target = next(n for n in cluster.live() if n.port == target_port)
    src, dst = source.client(), target.client()
    slot = src.cluster("keyslot", key)
    src_id, dst_id = src.cluster("myid"), dst.cluster("myid")
    dst.cluster("setslot", slot, "importing", src_id)
    src.cluster("setslot", slot, "migrating", dst_id)
    while keys := src.cluster("getkeysinslot", slot, 100):
        src.execute_command("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", *keys)
    for node in (dst, src, *(n.client() for n in cluster.live() if n not in (source, target))):
        node.cluster("setslot", slot, "node", dst_id)
    wait_until(cluster.healthy, timeout=30, what="every node to agree on the slot's new master")


def test_events_keep_landing_once_while_the_stream_slot_moves_to_another_master(hookd_factory, empty_cluster):
    cluster, client = empty_cluster
    for node in cluster.live():  # no script from the module's other tests, and no NOSCRIPT counted
        with node.client() as each:
            each.script_flush()
            each.config_resetstat()
    daemon = hookd_factory(redis_url=cluster.url, redis_cluster="true")
    stop = threading.Event()
    senders = [FramedSender(daemon, f"raw{i}", chunk=10, rate=300, stop=stop) for i in range(2)]
    with running(*senders):
        wait_until(lambda: client.xlen(STREAM) >= 300, timeout=30, what="events before the move")
        first_owner = cluster.owner(STREAM)
        for _ in range(2):  # away, and on to the third master
            target = next(n for n in cluster.live() if n is not cluster.owner(STREAM) and n is not first_owner)
            published_before = client.xlen(STREAM)
            migrate_slot(cluster, STREAM, target.port)
            assert cluster.owner(STREAM) is target
            wait_until(
                lambda: client.xlen(STREAM) >= published_before + 300,
                timeout=30,
                what="events published after the slot moved",
            )
            first_owner = None
        stop.set()
    assert all(s.problems == [] and s.inboxed == 0 for s in senders)
    entries = finish(daemon, client)
    assert_each_sender_exactly_once_in_order(entries, {s.sender: s.handed for s in senders})
    assert client.hget("{hookd:events}:session:fault-raw0", "events") == str(len(senders[0].handed)).encode()
    # Each master the slot moved to had the script before its first batch (loaded as hookd connected).
    assert [node.noscript_refusals() for node in cluster.live()] == [0] * len(cluster.live())
    assert daemon.stop() == 0


@pytest.mark.parametrize("replicas, wait", [(1, 0), (2, 1)], ids=["async", "wait-1"])
def test_events_land_once_when_the_master_of_the_stream_slot_is_killed(hookd_factory, tmp_path, replicas, wait):
    """With WAIT 1 nothing may be lost (a second replica lets WAIT succeed after the first
    takes over); without it, only what the killed master had not yet replicated."""
    cluster = Cluster(tmp_path / "cluster", masters=3, replicas=replicas)
    cluster.start()
    try:
        client = cluster.client()
        daemon = hookd_factory(redis_url=cluster.url, redis_cluster="true", redis_wait_replicas=str(wait))
        stop = threading.Event()
        senders = [FramedSender(daemon, f"raw{i}", chunk=10, rate=300, stop=stop) for i in range(2)]
        with running(*senders):
            wait_until(lambda: client.xlen(STREAM) >= 300, timeout=30, what="events before the kill")
            doomed = cluster.owner(STREAM)
            doomed.kill()
            wait_until(
                lambda: log_mentions(daemon, '"redis_down"'), timeout=30, what="hookd to notice the master is gone"
            )
            wait_until(
                lambda: cluster.healthy() and cluster.owner(STREAM) is not doomed,
                timeout=60,
                what="a replica to take over the slot",
            )
            published_before = client.xlen(STREAM)
            wait_until(
                lambda: client.xlen(STREAM) >= published_before + 300,
                timeout=60,
                what="events published after the failover",
            )
            stop.set()
        assert all(s.problems == [] and s.inboxed == 0 for s in senders)
        assert_failover_outcome(daemon, client, senders, wait)
        assert [node.noscript_refusals() for node in cluster.live()] == [0] * len(cluster.live())
        client.close()
    finally:
        cluster.stop()


def test_tail_and_status_work_against_a_cluster(hookd_factory, empty_cluster):
    cluster, client = empty_cluster
    daemon = hookd_factory(redis_url=cluster.url, redis_cluster="true")
    send_framed(daemon, "raw", 5)
    finish(daemon, client)
    shown = tail(daemon, "--since", "1h", "--count", "6", "--json")
    assert shown.returncode == 0, shown.stderr
    payloads = [json.loads(line)["payload"] for line in shown.stdout.splitlines()]
    assert [(p["sender"], p["n"]) for p in payloads[:5]] == [("raw", n) for n in range(5)]
    assert payloads[5]["sender"] == "end"  # finish's closing event
    status = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"],
        env=daemon.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert json.loads(status.stdout)["redis"]["state"] == "up", status.stdout
    assert json.loads(status.stdout)["redis"]["url"] == f"redis cluster at {cluster.url}"
    assert daemon.stop() == 0


# ---------------------------------------------------------------- hookd replay --file


def fresh_envelopes(host: str, seqs, session: str) -> list[dict]:
    """Envelopes received now, so that the session index keeps them."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [{**envelope(host, seq, session), "received_at": now} for seq in seqs]


def replay_file(daemon, path, *args: str) -> dict:
    result = hookd_cli(daemon.env, "replay", "--file", str(path), "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_replay_file_publishes_to_a_cluster_once_with_its_index_in_the_stream_slot(
    hookd_factory, empty_cluster, tmp_path
):
    cluster, client = empty_cluster
    daemon = hookd_factory(redis_url=cluster.url, redis_cluster="true")
    send_framed(daemon, "raw", 20)
    finish(daemon, client)
    exported = tmp_path / "stream.jsonl"
    exported.write_bytes(b"".join(f[b"envelope"] + b"\n" for _, f in client.xrange(STREAM)))
    for args in (("--dry-run",), ()):  # what the daemon published is skipped, by its mark
        report = replay_file(daemon, exported, *args)
        assert (report["added"], report["skipped"], report["redis_error"]) == (0, 21, None)

    other = tmp_path / "other.jsonl"
    write_jsonl(other, fresh_envelopes("elsewhere", range(1, 31), "replayed-session"))
    assert replay_file(daemon, other, "--dry-run")["added"] == 30
    assert replay_file(daemon, other)["added"] == 30
    assert replay_file(daemon, other)["skipped"] == 30  # a second time adds nothing
    assert client.xlen(STREAM) == 21 + 30
    assert [json.loads(f[b"envelope"])["seq"] for _, f in client.xrange(STREAM)][21:] == list(range(1, 31))
    owner = cluster.owner(STREAM)
    assert owner.client().hget("{hookd:events}:session:replayed-session", "events") == b"30"
    assert [n.client().dbsize() for n in cluster.live() if n is not owner] == [0, 0]
    assert daemon.stop() == 0


def refused_scripts(node) -> int:
    """How many EVALSHAs the node has refused (TRYAGAIN, ASK, MOVED) since it started."""
    return node.client().info("commandstats").get("cmdstat_evalsha", {}).get("rejected_calls", 0)


def test_replay_waits_out_a_slot_move_and_writes_each_batch_whole(hookd_factory, empty_cluster, tmp_path):
    """A batch with a session new to the index, while the slot is MIGRATING: Redis refuses it
    before the script starts (TRYAGAIN), not in its middle after the XADDs, and replay sends
    it again until the move is done."""
    cluster, client = empty_cluster
    daemon = hookd_factory(redis_url=cluster.url, redis_cluster="true", start=False)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    write_jsonl(first, fresh_envelopes("elsewhere", range(1, 6), "known"))
    write_jsonl(second, fresh_envelopes("elsewhere", range(6, 11), "new"))
    assert replay_file(daemon, first)["added"] == 5
    move = SlotMove(cluster, next(n for n in cluster.live() if n is not cluster.owner(STREAM)))
    refused_before = refused_scripts(move.source)
    move.begin()
    try:
        replay = subprocess.Popen(
            [sys.executable, "-m", "hookd", "replay", "--file", str(second), "--json"],
            env=daemon.env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_until(
            lambda: refused_scripts(move.source) > refused_before,
            timeout=30,
            what="the source to refuse the replayed batch",
        )
        assert replay.poll() is None  # still waiting
        assert move.src.xlen(STREAM) == 5 and move.src.hget("{hookd:events}:hwm", "elsewhere") == b"5"
    finally:
        move.finish()
    out, err = replay.communicate(timeout=60)
    assert replay.returncode == 0, err
    assert json.loads(out)["added"] == 5
    assert [json.loads(f[b"envelope"])["seq"] for _, f in client.xrange(STREAM)] == list(range(1, 11))
    assert client.hget("{hookd:events}:session:new", "events") == b"5"


# ---------------------------------------------------------------- more than one seed node


def test_hookd_tail_and_replay_find_the_cluster_through_another_seed_when_the_first_is_down(
    hookd_factory, empty_cluster, tmp_path
):
    cluster, client = empty_cluster
    down = [f"127.0.0.1:{free_port()}" for _ in range(2)]  # nothing listens there
    seeds = f"{down[1]},{cluster.nodes[1].address}"
    daemon = hookd_factory(redis_url=f"redis://{down[0]}", redis_cluster="true", redis_cluster_nodes=seeds)
    sender = send_framed(daemon, "raw", 50)
    entries = finish(daemon, client)
    assert_each_sender_exactly_once_in_order(entries, {sender.sender: sender.handed})
    status = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"],
        env=daemon.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    redis_status = json.loads(status.stdout)["redis"]
    assert redis_status["state"] == "up", status.stdout
    assert redis_status["url"] == f"redis cluster at redis://{down[0]} (or {seeds})"
    shown = tail(daemon, "--since", "1h", "--count", "51", "--json")
    assert shown.returncode == 0, shown.stderr
    assert len(shown.stdout.splitlines()) == 51
    exported = tmp_path / "stream.jsonl"
    exported.write_bytes(b"".join(f[b"envelope"] + b"\n" for _, f in client.xrange(STREAM)))
    for args in (("--dry-run",), ()):
        report = replay_file(daemon, exported, *args)
        assert (report["added"], report["skipped"], report["redis_error"]) == (0, 51, None)
    assert daemon.stop() == 0


def test_without_another_seed_a_cluster_whose_only_seed_is_down_keeps_events_spooled(hookd_factory, empty_cluster):
    cluster, client = empty_cluster
    daemon = hookd_factory(redis_url=f"redis://127.0.0.1:{free_port()}", redis_cluster="true")
    assert daemon.request(b"HOOKD/1 2\n{}").startswith(b"OK ")
    wait_status(
        daemon,
        lambda s: s["redis"]["state"] == "down" and s["spool"]["events"] == 1,
        "redis down with the event spooled",
    )
    assert client.xlen(STREAM) == 0
    assert daemon.stop() == 0


@pytest.mark.parametrize(
    "values, says",
    [
        ({"redis_cluster_nodes": "10.0.0.6:7000"}, "set redis_cluster = true"),
        (
            {"redis_cluster": "true", "redis_cluster_nodes": "10.0.0.6:7000,node-b"},
            "redis_cluster_nodes entry 'node-b' is not HOST:PORT",
        ),
    ],
)
def test_seed_node_settings_that_cannot_work_are_refused(values, says):
    with pytest.raises(ConfigError) as caught:
        load(values, environ={})
    assert says in str(caught.value)
