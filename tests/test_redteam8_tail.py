"""Red team, eighth pass: `hookd tail` behind a Redis Cluster or Sentinel read without the reply bound.

The seventh pass bounded tail's replies at 64 MiB for one server and for the master Sentinel
names. A Cluster's nodes were made from redis_url's options, so each node's replies, the seed's
answer about the slots included, were read whole, however large; and behind Sentinel the
sentinels' own replies were too. An entry too large for a reply took tail's memory behind a
Cluster, and a seed or sentinel that answered without end took it wherever the flood went.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from test_redteam6_redis_replies import FloodingServer
from test_redteam7_tail import assert_tail_skips_an_entry_just_past_its_read, run_tail


STREAM = "hookd:events"
# A reply of 256 MB announced, then sent as fast as tail reads: read whole, tail held it (and more).
FLOOD_HEAD = b"$268435456\r\n"


@pytest.mark.process
def test_tail_behind_a_cluster_skips_an_entry_too_large_for_a_reply(hookd_factory, empty_cluster, tmp_path):
    cluster, _client = empty_cluster
    daemon = hookd_factory(redis_url=cluster.url, redis_cluster="true")
    owner = cluster.owner(STREAM).client()
    assert_tail_skips_an_entry_just_past_its_read(daemon, owner, tmp_path, "a Cluster")


@pytest.mark.parametrize("where", ["cluster_seed", "sentinel"])
def test_a_seed_or_sentinel_answering_without_end_does_not_take_tails_memory(hookd, tmp_path, where):
    server = FloodingServer(head=FLOOD_HEAD)
    try:
        address = f"127.0.0.1:{server.port}"
        if where == "cluster_seed":
            settings = {"HOOKD_REDIS_URL": f"redis://{address}", "HOOKD_REDIS_CLUSTER": "true"}
        else:
            settings = {
                "HOOKD_REDIS_URL": "redis://unused.invalid:1/0",
                "HOOKD_REDIS_SENTINEL": address,
                "HOOKD_REDIS_SENTINEL_MASTER": "mymaster",
            }
        done, peak = run_tail(SimpleNamespace(env={**hookd.env, **settings}), tmp_path, "--count", "1")
    finally:
        server.close()
    print(f"tail against a flooding {where} peaked at {peak} MB")
    assert server.floods >= 1, "the server was never asked"
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout == ""
    assert "MiB before it was whole" in done.stderr, done.stderr
    assert peak < 160, f"tail held {peak} MB"
