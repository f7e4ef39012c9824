"""Red team, fifty-third pass: a Cluster node that redirects without end.

hookd runs with redis_cluster against a RESP server of the test's own (lying_redis.LyingRedis, in
front of a plain redis-server) that answers CLUSTER SLOTS with every slot its own, and, while it lies,
answers every batch with MOVED or ASK naming itself again: a loop no batch gets out of. Each: the
events wait in the spool, status is not healthy, hookd stays up and does not spin (the redirects a
batch follows are bounded, the breaker paces the trials), and once the node answers the batch, every
event lands once, in order.
"""

from __future__ import annotations

import json
import time

import pytest
from conftest import log_records, stream_entries, wait_until
from lying_redis import LyingRedis, answer, passed

from hookd import config as hookd_config
from hookd.control import status
from hookd.publish.script import marks_key

SLOT = 0  # any: the node names itself for every slot
NAMED = {"MOVED": "redis-cli --cluster fix", "ASK": "moving the stream's hash slot"}


def _slots(port: int) -> bytes:
    node = b"*3\r\n" + b"$9\r\n127.0.0.1\r\n" + b":%d\r\n" % port + b"$40\r\n" + b"0" * 40 + b"\r\n"
    return b"*1\r\n*3\r\n:0\r\n:16383\r\n" + node


@pytest.mark.parametrize("redirect", ["MOVED", "ASK"])
def test_a_redirect_to_itself_without_end_costs_no_event(hookd_factory, redis_server, redis_db, redirect):
    server = LyingRedis(redis_server.port)
    slots = answer(_slots(server.port))
    loop = answer(b"-%s %d 127.0.0.1:%d\r\n" % (redirect.encode(), SLOT, server.port))
    lying = [True]

    def act(words):
        name = words[0].upper()
        if name == b"CLUSTER" and len(words) > 1 and words[1].upper() == b"SLOTS":
            return slots
        if name == b"ASKING":
            return answer(b"+OK\r\n")
        if name == b"EVALSHA" and lying[0]:
            return loop
        return passed

    server.act = act
    try:
        daemon = hookd_factory(
            redis_url=f"redis://127.0.0.1:{server.port}/0",
            redis_cluster="true",
            redis_timeout_s="1",
            breaker_backoff_max_s="0.5",
        )
        for i in range(3):
            daemon.send_stop(f"loop-{i}")
        wait_until(lambda: server.batches() >= 8, timeout=30, what="batches to meet the loop")
        start, began = server.batches(), time.monotonic()
        time.sleep(3)
        rate = (server.batches() - start) / (time.monotonic() - began)
        code, document = status.gather(hookd_config.load(environ=daemon.env))
        assert code != 0 and document.get("health") != "healthy", document
        assert document["spool"]["events"] == 3, document["spool"]
        said = " ".join(document["reasons"])
        # It answers: not "down", whose fix (start Redis where redis_url points) is the wrong one.
        assert document["redis"]["state"] != "down" and "start Redis" not in said, said
        assert NAMED[redirect] in said, said
        # Bounded: a batch follows a few redirects, then the breaker waits between trials.
        assert rate < 50, f"{rate:.0f} batches a second into the loop"
        assert redis_db.xlen("hookd:events") == 0 and not redis_db.exists(marks_key("hookd:events"))
        lying[0] = False
        wait_until(lambda: redis_db.xlen("hookd:events") == 3, timeout=30, what="the events once the loop ends")
        time.sleep(1)
        sessions = [json.loads(e[b"envelope"])["session_id"] for e in stream_entries(redis_db)]
        assert sessions == [f"loop-{i}" for i in range(3)]
        names = [r.get("event") for r in log_records(daemon.log_text())]
        assert "unhandled_exception" not in names and "publisher_crashed" not in names, daemon.log_text()[-3000:]
        print(redirect, f"{rate:.1f} batches/s into the loop;", said[:400])
    finally:
        server.close()
