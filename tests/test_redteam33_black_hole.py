"""Behind a link that carries small writes and never a large one, the backlog crosses in batches that fit.

An MTU black hole (or a middlebox that drops large writes) passes a PING, the one-line script and the
one-event trial after a failure, and never a full batch. pace.py judged the link slow after each batch
that got no answer, the trial of one event crossed at once, and the stream's next batch was the backlog's
whole width again: it crossed one event a cycle, status `up` (healthy, exit 0) between the trial and the
batch's timeout while the rest waited. Now a batch that does not cross cuts the next ones to half its bytes,
and only a batch over half the cut that crosses lets the cut double (Pace.cut). Real redis-server behind a
TCP proxy that stalls a connection for good on a read of more than the publish script and its handshake (tests/slow_link_proxy.py),
real `hookd run`.
"""

from __future__ import annotations

import time

import pytest
from conftest import REPO, log_records, wait_until

from slow_link_proxy import SlowLinkProxy

pytestmark = pytest.mark.process

# The publish script's Lua, in two files (script.py puts them together).
SCRIPT_FILES = ("stream_identity.lua", "publish_batch.lua")
# Over the publish script, which a fresh connection loads first (with room for the handshake beside it):
# the link must carry the script, else nothing could cross at all.
LARGEST_WRITE = sum((REPO / "hookd" / "publish" / f).stat().st_size for f in SCRIPT_FILES) + 2_600
EVENTS = 2 * LARGEST_WRITE // 600  # Stop events of about 600 bytes: twice what the link carries in one write


def test_a_backlog_behind_a_link_that_drops_large_writes_crosses_in_batches_that_fit(
    hookd_process_factory, redis_server, redis_db
):
    proxy = SlowLinkProxy(("127.0.0.1", redis_server.port), rate=10_000_000, per_connection=True)
    proxy.stall_after = 0  # nothing crosses while the backlog is spooled
    try:
        daemon = hookd_process_factory(
            redis_url=f"redis://127.0.0.1:{proxy.port}/0", redis_timeout_s="1", breaker_backoff_max_s="1"
        )
        for i in range(EVENTS):
            daemon.send_stop(f"hole-{i}")
        wait_until(lambda: "redis_down" in daemon.log_text(), timeout=30, what="Redis to be found unreachable")
        # Read in pieces larger than the threshold: the script (SCRIPT LOAD) has grown past the 16 KiB read.
        proxy.stall_after, proxy.black_hole_over, proxy.chunk = None, LARGEST_WRITE, 4 * LARGEST_WRITE
        deadline = time.monotonic() + 150
        while redis_db.xlen("hookd:events") < EVENTS and time.monotonic() < deadline:
            time.sleep(0.5)
        assert redis_db.xlen("hookd:events") == EVENTS
        names = [record.get("event") for record in log_records(daemon.log_text())]
        slow = names.index("redis_link_slow")
        # Each batch that did not cross was followed by a trial that did (`redis_up`): one event a cycle
        # on the base (over 20 cycles for the 40); halving the batch finds one that fits in a few.
        cycles = names[slow:].count("redis_up")
        assert cycles <= 8, f"{cycles} batches of the backlog did not cross: {names}"
        said = [r.get("error", "") for r in log_records(daemon.log_text()) if r.get("event") == "redis_link_slow"]
        assert all("batches are cut to" in error and "MTU black hole" in error for error in said), said
    finally:
        proxy.close()
