"""Red team, eighth pass: `hookd replay --file --dry-run` against marks that are not marks.

The dry run asks Redis for each host's high-water mark (HMGET) and predicts what would be
added. ``+OK`` from whatever answers on redis_url was read as the bytes 79 and 75, so the marks
were 79 and the dry run said every envelope was already in the stream; a value that is not a
number ended it with a traceback; a value per host too many was taken. Now the marks must be one
number (or none) per host, and anything else is "could not ask Redis", naming the answer.
"""

from __future__ import annotations

import json

import pytest
from test_redteam8_redis_replies import ShapeLiar
from test_replay import envelope, write_jsonl

from secure_redis import hookd_cli

HMGET_LIES = {
    "simple_string": b"+OK\r\n",
    "not_a_number": b"*1\r\n$3\r\nabc\r\n",
    "a_mark_too_many": b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n",
}


def dry_run(hookd, redis_port: int, tmp_path) -> dict:
    path = tmp_path / "replay.jsonl"
    write_jsonl(path, [envelope("h1", 5)])
    env = {**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
    done = hookd_cli(env, "replay", "--file", str(path), "--dry-run", "--json")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("lie", sorted(HMGET_LIES))
def test_a_dry_run_does_not_predict_from_marks_redis_never_gave(hookd, redis_server, redis_db, tmp_path, lie):
    proxy = ShapeLiar(redis_server.port, {b"HMGET": HMGET_LIES[lie]})
    try:
        report = dry_run(hookd, proxy.port, tmp_path)
    finally:
        proxy.close()
    assert proxy.lied >= 1
    assert report["added"] is None and report["skipped"] is None, report
    assert "which are not marks" in (report["redis_error"] or ""), report


def test_a_dry_run_against_redis_itself_still_predicts(hookd, redis_server, redis_db, tmp_path):
    """A guard: Redis's own answer (no mark yet, then a mark of 5) is still read."""
    assert dry_run(hookd, redis_server.port, tmp_path)["added"] == 1
    redis_db.hset("{hookd:events}:hwm", "h1", "5")
    report = dry_run(hookd, redis_server.port, tmp_path)
    assert (report["added"], report["skipped"]) == (0, 1), report
