"""The publish script is loaded as hookd connects to Redis, not when a batch is refused for lacking it.

A server that never had the script (a fresh one, a failover's new master, a Cluster node) answers
an EVALSHA with NOSCRIPT only once the whole batch has crossed the link; the batch then crossed a
second time (h119's Left: a first 6 MB batch sent twice over a slow link). A TCP proxy in front of a
real redis-server (tests/slow_link_proxy.py, at a rate no event here notices) counts the bytes a
real hookd sends towards Redis.
"""

from __future__ import annotations

import hashlib
import json

from conftest import wait_for_entries, wait_until
from hookd.publish.script import PUBLISH_BATCH
from slow_link_proxy import SlowLinkProxy

FAST = 1 << 30  # bytes a second: the proxy only counts
SHA = hashlib.sha1(PUBLISH_BATCH.encode()).hexdigest()


def big_event(session: str, size: int) -> bytes:
    words = " ".join(f"line {i} of a long build log" for i in range(size // 28))
    return json.dumps({"hook_event_name": "PostToolUse", "session_id": session, "tool_response": words}).encode()


def test_the_script_is_on_a_fresh_server_before_any_event_is_sent(hookd_factory, redis_db):
    redis_db.script_flush()
    hookd_factory()
    wait_until(lambda: redis_db.script_exists(SHA) == [True], timeout=60, what="the publish script loaded at start")
    assert redis_db.xlen("hookd:events") == 0


def test_a_big_first_batch_crosses_the_link_once(hookd_factory, redis_server, redis_db):
    redis_db.script_flush()
    proxy = SlowLinkProxy(("127.0.0.1", redis_server.port), rate=FAST)
    try:
        daemon = hookd_factory(redis_url=f"redis://127.0.0.1:{proxy.port}/0", work_budget_ms="30000")
        done = daemon.send(big_event("big", 2_000_000), HOOKD_SEND_TIMEOUT_MS="20000")
        assert done.returncode == 0 and done.stdout == b"", done.stderr
        (entry,) = wait_for_entries(redis_db, 1)
        sent = len(entry[b"envelope"])
        assert sent > 2_000_000
        # Everything else hookd sends (its checks, the script's text) is a few KiB.
        assert proxy.upstream_bytes < 1.2 * sent, (proxy.upstream_bytes, sent)
    finally:
        proxy.close()


def test_a_script_flushed_after_it_was_loaded_is_loaded_again_and_no_event_is_lost(hookd, redis_db):
    hookd.send_stop("one")
    wait_for_entries(redis_db, 1)
    redis_db.script_flush()
    hookd.send_stop("two")
    entries = wait_for_entries(redis_db, 2)
    assert [json.loads(e[b"envelope"])["session_id"] for e in entries] == ["one", "two"]
    assert redis_db.script_exists(SHA) == [True]


def noscript_refusals(client) -> int:
    return int(client.info("errorstats").get("errorstat_NOSCRIPT", {}).get("count", 0))


def test_a_restarted_server_has_the_script_before_the_first_batch_on_the_new_connection(hookd, redis_server, redis_db):
    hookd.send_stop("before")
    wait_for_entries(redis_db, 1)
    redis_server.stop()
    redis_server.start()  # no data (no save), no scripts, no stats
    with redis_server.client() as fresh:
        hookd.send_stop("after")
        entries = wait_for_entries(fresh, 1)
        assert [json.loads(e[b"envelope"])["session_id"] for e in entries] == ["after"]
        assert noscript_refusals(fresh) == 0
