"""A full spool, with each policy, on real processes: Redis down until the spool fills."""

from __future__ import annotations

import json
import socket

from conftest import RedisServer, wait_until


def body(n: int) -> bytes:
    return json.dumps({"hook_event_name": "PostToolUse", "session_id": f"s{n}", "tool_response": "x" * 900}).encode()


def send_framed(daemon, numbers) -> list[bytes]:
    """Frames on one connection; the reply line for each, until the daemon closes it."""
    replies = []
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(str(daemon.socket))
        reader = s.makefile("rb")
        for n in numbers:
            b = body(n)
            try:
                s.sendall(b"HOOKD/1 %d\n" % len(b) + b)
            except BrokenPipeError:
                break
            line = reader.readline()
            if not line:
                break
            replies.append(line)
            if not line.startswith(b"OK "):
                break
    return replies


def numbers_in_stream(client) -> list[int]:
    return [int(json.loads(f[b"envelope"])["session_id"][1:]) for _, f in client.xrange("hookd:events")]


def test_a_full_spool_refuses_so_hook_send_keeps_events_in_its_inbox(hookd_factory, tmp_path):
    redis = RedisServer(tmp_path / "redis")
    daemon = hookd_factory(redis_url=redis.url, spool_max_bytes=str(1 << 20))
    replies = send_framed(daemon, range(5000))
    accepted = sum(r.startswith(b"OK ") for r in replies)
    assert replies[-1].startswith(b"ERR unavailable "), replies[-1]
    assert b"the spool is full" in replies[-1]
    assert 100 < accepted < 5000
    for n in range(accepted, accepted + 5):
        result = daemon.send(body(n))
        assert (result.returncode, result.stdout) == (0, b"")
    assert len(daemon.inbox()) == 5
    assert '"spool_full"' in daemon.log_text()

    redis.start()
    client = redis.client()
    wait_until(lambda: client.xlen("hookd:events") >= accepted + 5, timeout=30, what="the spool and the inbox to drain")
    assert numbers_in_stream(client) == list(range(accepted + 5))
    wait_until(lambda: daemon.inbox() == [], what="the inbox to be emptied")
    assert '"spool_room_again"' in daemon.log_text()
    redis.stop()


def test_a_full_spool_with_drop_oldest_keeps_the_newest_and_counts_the_rest(hookd_factory, tmp_path):
    redis = RedisServer(tmp_path / "redis")
    daemon = hookd_factory(redis_url=redis.url, spool_max_bytes=str(1 << 20), spool_full_policy="drop_oldest")
    total = 3000
    replies = send_framed(daemon, range(total))
    assert len(replies) == total and all(r.startswith(b"OK ") for r in replies)
    assert daemon.inbox() == []
    redis.start()
    client = redis.client()
    log = daemon.log_text()
    dropped = max(json.loads(line).get("dropped", 0) for line in log.splitlines() if '"drop_oldest"' in line)
    assert dropped > 0
    wait_until(
        lambda: client.xlen("hookd:events") >= total - dropped, timeout=30, what="the kept events to be published"
    )
    assert numbers_in_stream(client) == list(range(dropped, total))
    redis.stop()
