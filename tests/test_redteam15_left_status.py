"""The fifteenth red-team pass's Left: `hookd status` headed a batch Redis refuses "redis is down".

Redis answered, with an error for every batch (hookd's high-water mark hash made a string, the
stream's last id used up, maxmemory reached, a script lost on every try), and status, its --json
(`redis.state` "down") and the log (`redis_down`) said it was down: the reader looked for a server
to start. Redis is now `refusing`, and the reason names the refusal, the key and the fix; "redis is
down" stays for a Redis that cannot be reached.
"""

from __future__ import annotations

import json

import pytest
import redis.exceptions

from conftest import wait_for_entries
from hookd.control.verdict import verdict
from test_redteam13_redis import numbers, send
from test_status import hookd_cli, wait_status

MARKS = "{hookd:events}:hwm"


def refusing(status: dict) -> bool:
    return status["redis"]["state"] == "refusing"


def test_a_refused_batch_is_said_so_with_the_key_and_the_fix(hookd_factory, redis_db):
    daemon = hookd_factory(breaker_backoff_max_s="0.2")
    redis_db.set(MARKS, "not hookd's")
    send(daemon, 1)
    # On the code before: state "down", and "redis is down (...)" at the head.
    wait_status(daemon, refusing, "the refusal")
    done = hookd_cli(daemon.env, "status", "--json")
    status = json.loads(done.stdout)
    assert (done.returncode, status["redis"]["state"]) == (1, "refusing")
    reasons = status["reasons"]
    assert not any("redis is down" in r for r in reasons), reasons
    assert reasons[0].startswith("Redis answers but refuses every batch ("), reasons
    assert f"the key {MARKS}, hookd's high-water marks, must be a hash; delete it" in reasons[0]
    assert "1 event spooled until it takes them" in reasons[0]
    text = hookd_cli(daemon.env, "status").stdout
    assert "Redis answers but refuses every batch" in text and "refusing batches for" in text, text
    assert "redis is down" not in text
    assert '"redis_refused_batch"' in daemon.log_text() and '"redis_down"' not in daemon.log_text()
    redis_db.delete(MARKS)
    wait_for_entries(redis_db, 1)
    wait_status(daemon, lambda s: s["redis"]["state"] == "up" and not verdict(s)[1], "healthy again")
    assert numbers(redis_db) == [1]


def test_a_redis_out_of_memory_is_refusing_with_the_fix(hookd_factory, redis_db):
    daemon = hookd_factory(breaker_backoff_max_s="0.2")
    policy = redis_db.config_get("maxmemory-policy")["maxmemory-policy"]
    redis_db.config_set("maxmemory-policy", "noeviction")
    redis_db.config_set("maxmemory", 1)
    try:
        send(daemon, 1)
        status = wait_status(daemon, refusing, "the refusal")
        error = status["redis"]["last_error"]
        assert "OutOfMemoryError" in error and "raise maxmemory" in error, error
        assert "make it a stream hookd can add to" not in error  # the stream's fix, which it was not
    finally:
        redis_db.config_set("maxmemory", 0)
        redis_db.config_set("maxmemory-policy", policy)
    wait_for_entries(redis_db, 1)


def test_an_unreachable_redis_is_still_down(hookd_factory):
    from conftest import free_port

    daemon = hookd_factory(redis_url=f"redis://127.0.0.1:{free_port()}", breaker_backoff_max_s="0.2")
    send(daemon, 1)
    status = wait_status(daemon, lambda s: s["redis"]["state"] != "unknown", "the failure")
    assert status["redis"]["state"] == "down"
    assert json.loads(hookd_cli(daemon.env, "status", "--json").stdout)["reasons"][0].startswith("redis is down (")


@pytest.mark.parametrize(
    ("exc", "state"),
    [
        (
            redis.exceptions.ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value"),
            "refusing",
        ),
        (redis.exceptions.ResponseError("ERR The stream has exhausted the last possible ID"), "refusing"),
        (redis.exceptions.NoScriptError("No matching script. Please use EVAL."), "refusing"),
        (redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused."), "down"),
        (redis.exceptions.TimeoutError("Timeout reading from socket"), "down"),
        (
            redis.exceptions.NoPermissionError("NOPERM this user has no permissions to run the 'evalsha' command"),
            "down",
        ),
        (redis.exceptions.AuthenticationError("invalid username-password pair"), "down"),
        (redis.exceptions.TryAgainError("TRYAGAIN Multiple keys request during rehashing of slot"), "down"),
    ],
    ids=["wrongtype", "exhausted-id", "noscript", "refused", "timeout", "noperm", "auth", "tryagain"],
)
def test_refusals_and_failures_to_reach(tmp_path, exc, state):
    from hookd.publish.health import HealthReport
    from hookd.publish.settings import PublishSettings, RedisSettings
    from hookd.config import Config
    from hookd.spool import Spool
    from hookd.state import DaemonState

    config = Config(redis_url="redis://127.0.0.1:1", state_dir=str(tmp_path))
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "never")
    try:
        report = HealthReport(
            PublishSettings.from_config(config), RedisSettings.from_config(config), spool, DaemonState()
        )
        report.failed(exc)
        assert report.state.redis.state == state
        if isinstance(exc, redis.exceptions.NoScriptError):
            assert "SCRIPT FLUSH" in (report.state.redis.last_error or "")
    finally:
        spool.close()
