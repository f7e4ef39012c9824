"""Red team, eighth pass: a CLUSTER SLOTS reply redis-py cannot use, or that costs more than any cluster.

redis-py reads the cluster's topology from CLUSTER SLOTS and fills a table entry per slot of
each range it names. ``+OK`` there raised TypeError, which ended hookd's publisher task (hookd
exited 1); a range of 0 to 10^8 slots, 40 bytes on the wire, took hookd to 3.8 GB at 92% CPU with
its event loop held (`hookd status` got no answer). `hookd tail` met both. Now every connection
hookd makes checks a CLUSTER SLOTS reply (ranges within the 16384 slots, 16384 in all, nodes as
[host, port, ...]) and takes anything else for a server that is not Redis (NotRedis).
"""

from __future__ import annotations

import json

import pytest
from test_redteam8_redis_replies import ShapeLiar, finish, start_tail

from conftest import wait_until
from hookd import config as hookd_config
from hookd.control import status

SLOTS_LIES = {
    "simple_string": b"+OK\r\n",
    # 5 * 10^6 slots: the old code filled a table that large on every refresh (10^8 took 3.8 GB)
    "a_range_past_the_slots": b"*1\r\n*3\r\n:0\r\n:5000000\r\n*2\r\n$9\r\n127.0.0.1\r\n:1\r\n",
}


def _rss_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) // 1024


@pytest.mark.parametrize("lie", sorted(SLOTS_LIES))
def test_a_cluster_slots_reply_redis_never_sends_leaves_hookd_and_tail_standing(
    hookd_process_factory, redis_server, redis_db, lie
):
    proxy = ShapeLiar(redis_server.port, {b"CLUSTER": SLOTS_LIES[lie]})
    try:
        daemon = hookd_process_factory(
            redis_url=f"redis://127.0.0.1:{proxy.port}",
            redis_cluster="true",
            redis_timeout_s="1",
            breaker_backoff_max_s="0.5",
        )
        before = _rss_mb(daemon.proc.pid)
        daemon.send_stop("kept")
        wait_until(
            lambda: proxy.lied >= 3 or daemon.proc.poll() is not None, timeout=30, what="three reads of the slots"
        )
        assert daemon.proc.poll() is None, f"hookd exited:\n{daemon.log_text()[-3000:]}"
        code, document = status.gather(hookd_config.load(environ=daemon.env))
        assert code == 1 and document["spool"]["events"] == 1, document
        assert "answer to CLUSTER SLOTS is not Redis's" in json.dumps(document["reasons"]), document["reasons"]
        grew = _rss_mb(daemon.proc.pid) - before
        assert grew < 100, f"hookd grew by {grew} MB"
        code, out, err = finish(start_tail(daemon.env))
    finally:
        proxy.close()
    assert "Traceback" not in err, err
    assert code == 1 and out == "" and "answer to CLUSTER SLOTS is not Redis's" in err, (code, out, err)
