"""Red team, twenty-third pass (its Left): Redis behind a link too slow for a batch's bytes.

Between a real `hookd run` and a real redis-server sits a TCP proxy that passes at most
RATE bytes a second each way (a token bucket per direction, shared by the connections, as
a slow tunnel's). A large event and a small one after it must reach the stream once each,
in a bounded number of sends (the proxy counts the bytes hookd sends), although crossing
takes longer than redis_timeout_s; and `hookd status` must never say "redis is down" while
Redis answers: it names the batch crossing, or the slow link and its fix.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from conftest import stream_entries
from hookd import config as hookd_config
from hookd.control import status, status_text
from slow_link_proxy import RATE, SlowLinkProxy

pytestmark = pytest.mark.process


def big_event(session: str, size: int) -> bytes:
    words = " ".join(f"line {i} of a long build log" for i in range(size // 28))
    return json.dumps(
        {"hook_event_name": "PostToolUse", "session_id": session, "tool_name": "Bash", "tool_response": words}
    ).encode()


def crawl(daemon, redis_db, proxy: SlowLinkProxy, size: int, timeout: float) -> tuple[list[dict], list[str]]:
    """Hand over a ``size`` event and a small one; poll status until both are in the stream.
    The stream's entries, and each status seen (its reasons and text) on the way."""
    done = daemon.send(big_event("big", size), HOOKD_SEND_TIMEOUT_MS="20000")
    assert done.returncode == 0 and done.stdout == b"", done.stderr
    daemon.send_stop("small")
    seen: list[str] = []
    config = hookd_config.load(environ=daemon.env)
    deadline = time.monotonic() + timeout
    while redis_db.xlen("hookd:events") < 2 and time.monotonic() < deadline:
        code, document = status.gather(config)
        if "redis" in document:
            seen.append(" | ".join(document.get("reasons") or []) + "\n" + status_text.render(document, code, False))
        time.sleep(0.5)
    time.sleep(1)  # a resend would add a second copy now, if the mark did not skip it
    entries = stream_entries(redis_db)
    sessions = sorted(json.loads(e[b"envelope"])["session_id"] for e in entries)
    assert sessions == ["big", "small"], (
        f"after {timeout:g}s the stream holds {sessions}, {proxy.upstream_bytes} bytes sent towards Redis; "
        f"status said: {seen[-1:]}"
    )
    for text in seen:
        assert "redis is down" not in text, text
    return entries, seen


def test_a_batch_slower_than_redis_timeout_crosses_once_and_status_says_it_crawls(
    hookd_factory, redis_server, redis_db
):
    proxy = SlowLinkProxy(("127.0.0.1", redis_server.port))
    size = 4_000_000  # 4 s on the link: twice redis_timeout_s
    try:
        daemon = hookd_factory(
            redis_url=f"redis://127.0.0.1:{proxy.port}/0",
            redis_timeout_s="2",
            work_budget_ms="30000",
        )
        entries, seen = crawl(daemon, redis_db, proxy, size, timeout=40)
        big = next(e for e in entries if json.loads(e[b"envelope"])["session_id"] == "big")
        sent = len(big[b"envelope"])
        assert sent > size, "the big event went without its payload"
        # One send of it (the small event, the checks and the script's text are a few KiB): not one per
        # timeout, nor a second after a NOSCRIPT (the script is loaded as hookd connects).
        assert proxy.upstream_bytes < 1.5 * sent, (proxy.upstream_bytes, sent)
        crawling = [t for t in seen if re.search(r"to take a batch of [\d.]+ MiB", t)]
        assert crawling, f"status never said a large batch was crossing: {seen[-1:]}"
    finally:
        proxy.close()


def test_a_link_slower_than_redis_min_bytes_per_s_is_named_and_still_carries_the_batch(
    hookd_factory, redis_server, redis_db
):
    proxy = SlowLinkProxy(("127.0.0.1", redis_server.port))
    size = 3_000_000
    try:
        daemon = hookd_factory(
            redis_url=f"redis://127.0.0.1:{proxy.port}/0",
            redis_timeout_s="1",
            # The link is assumed four times faster than it is: the first sends time out.
            redis_min_bytes_per_s=str(4 * RATE),
            work_budget_ms="30000",
        )
        entries, seen = crawl(daemon, redis_db, proxy, size, timeout=60)
        slow = [t for t in seen if "the link to Redis is slow" in t and "redis_min_bytes_per_s" in t]
        assert slow, f"status never named the slow link: {seen[-3:]}"
        # Each resend assumes half the rate: a few sends, not one per timeout for ever.
        sent = max(len(e[b"envelope"]) for e in entries)
        assert proxy.upstream_bytes < 8 * sent, (proxy.upstream_bytes, sent)
        log = daemon.log_text()
        assert '"redis_link_slow"' in log and '"redis_down"' not in log, log[-2000:]
    finally:
        proxy.close()
