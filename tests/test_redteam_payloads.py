"""Red team: hostile payloads and frame headers against a real hookd, Redis and `hookd tail`."""

from __future__ import annotations

import json

from conftest import wait_for_entries

SECRET = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def test_a_secret_in_the_frame_headers_hook_or_project_is_redacted_before_redis(hookd, redis_db):
    """hook= (used when the payload names no hook) and project= come from the sender like the
    body does; a secret in them must not reach Redis (stream, envelope, session index)."""
    body = json.dumps({"session_id": "s-hdr", "note": "nothing here"}).encode()
    header = (f"HOOKD/1 {len(body)} sent=1 pid=1 ppid=1 id=abc hook={SECRET} "
              f"project=/home/u/{SECRET}\n").encode()
    assert hookd.request(header + body).startswith(b"OK ")
    wait_for_entries(redis_db, 1)
    for key in redis_db.keys("*"):
        kind = redis_db.type(key)
        if kind == b"stream":
            dumped = repr(redis_db.xrange(key))
        elif kind == b"hash":
            dumped = repr(redis_db.hgetall(key))
        elif kind == b"zset":
            dumped = repr(redis_db.zrange(key, 0, -1))
        else:
            dumped = repr(redis_db.get(key)) if kind == b"string" else ""
        assert SECRET not in dumped and SECRET not in key.decode(errors="replace"), key
    envelope = json.loads(redis_db.xrange("hookd:events")[0][1][b"envelope"])
    assert "[REDACTED:" in envelope["hook"] and "[REDACTED:" in envelope["project_dir"]

