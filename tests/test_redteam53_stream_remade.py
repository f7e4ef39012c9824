"""A stream deleted and made again by another sender is said by every sender whose events it held
(fifty-third pass).

The forty-second pass left it: sender alpha's events land, the stream is deleted, and another host's
hookd (nothing of it landed, so its batch may make the stream) adds an event, making it again before
alpha's next batch or idle check. alpha's mark is intact and the stream is there: nothing was said, by
any of them, of alpha's events that were gone. Now the marks hash keeps the stream's identity (the id
of the event that made it, field `` stream``) and, per sender, the identity of the stream its events
went into (`` stream <sender>``); a sender whose stream is not the one there says `redis_stream_gone`,
at its next batch or idle check. Real redis-server (the test's own), real `hookd run` processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from conftest import log_records, stream_entries, wait_until
from own_redis import land, own_redis  # noqa: F401 (a fixture)

from hookd.publish.acl import publisher_rule

pytestmark = pytest.mark.process

STREAM = "hookd:events"
MARKS = "{hookd:events}:hwm"
SAID = ("redis_lost_events", "redis_stream_gone", "redis_marks_missing")


def _said(daemon) -> list[dict]:
    return [r for r in log_records(daemon.log_text()) if r.get("event") in SAID]


def _status(daemon) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "status"], env=daemon.env, capture_output=True, text=True, timeout=30
    )
    return done.stdout


def _calls(db, command: str) -> int:
    return int(db.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))


def _daemon(factory, server, host: str, quiet_s: str = "30", **settings: str):
    return factory(redis_url=server.url, host=host, redis_timeout_s="1", breaker_backoff_max_s=quiet_s, **settings)


def _remade_by_gamma(factory, own_redis, db, alpha) -> None:
    """The stream deleted, and made again by a new host's hookd (its first event), while alpha is
    stopped (SIGSTOP): none of alpha's checks falls between the two, which would find it gone."""
    gamma = _daemon(factory, own_redis, "gamma")
    os.kill(alpha.proc.pid, signal.SIGSTOP)
    try:
        db.delete(STREAM)
        gamma.send_stop("gamma-0")
        wait_until(lambda: db.xlen(STREAM) == 1, timeout=30, what="gamma's event, which makes the stream again")
    finally:
        os.kill(alpha.proc.pid, signal.SIGCONT)
    assert _said(gamma) == [], gamma.log_text()[-3000:]  # gamma lost nothing: it had nothing there


def test_a_stream_made_again_by_another_host_is_said_at_the_next_batch(hookd_process_factory, own_redis):
    db = own_redis.client()
    alpha = _daemon(hookd_process_factory, own_redis, "alpha")
    land(alpha, db, "alpha", 4, 4)
    landed = max(int(e[b"seq"]) for e in stream_entries(db))
    _remade_by_gamma(hookd_process_factory, own_redis, db, alpha)

    alpha.send_stop("alpha-after")
    wait_until(lambda: db.xlen(STREAM) == 2, timeout=30, what="alpha's event after the stream was made again")
    said = _said(alpha)
    assert [r["event"] for r in said] == ["redis_stream_gone"], alpha.log_text()[-3000:]
    assert said[0]["landed_seq"] == landed and said[0]["sender"].startswith("alpha/"), said
    assert "made again" in said[0]["error"], said
    assert "made again" in _status(alpha)
    # Once: the events after it land and say nothing more; nothing is added twice.
    land(alpha, db, "alpha-later", 2, 4)
    assert len(_said(alpha)) == 1, alpha.log_text()[-3000:]
    ids = [e[b"event_id"] for e in stream_entries(db)]
    assert len(ids) == len(set(ids)) == 4


def test_a_stream_made_again_while_hookd_is_quiet_is_said_without_an_event(hookd_process_factory, own_redis):
    db = own_redis.client()
    alpha = _daemon(hookd_process_factory, own_redis, "alpha", quiet_s="1")
    land(alpha, db, "alpha", 3, 3)
    landed = max(int(e[b"seq"]) for e in stream_entries(db))
    _remade_by_gamma(hookd_process_factory, own_redis, db, alpha)
    wait_until(lambda: _said(alpha), timeout=30, what="alpha to say its events' stream was made again")
    start = _calls(db, "hmget")
    wait_until(lambda: _calls(db, "hmget") >= start + 3, timeout=60, what="3 idle checks more")
    said = _said(alpha)
    assert [r["event"] for r in said] == ["redis_stream_gone"] and said[0]["landed_seq"] == landed, said
    alpha.send_stop("alpha-after")
    wait_until(lambda: db.xlen(STREAM) == 2, timeout=30, what="alpha's next event")
    start = _calls(db, "hmget")
    wait_until(lambda: _calls(db, "hmget") >= start + 2, timeout=60, what="2 idle checks more")
    assert len(_said(alpha)) == 1, alpha.log_text()[-3000:]


def test_a_stream_gone_said_by_one_sender_is_said_by_the_other_after_it_made_it_again(hookd_process_factory, own_redis):
    """alpha and beta land; the stream is deleted; beta's next batch finds it gone (said, as before)
    and makes it again; alpha, whose events were in it too, says it at its next batch (before: nothing)."""
    db = own_redis.client()
    alpha = _daemon(hookd_process_factory, own_redis, "alpha")
    beta = _daemon(hookd_process_factory, own_redis, "beta")
    land(alpha, db, "alpha", 2, 2)
    land(beta, db, "beta", 2, 4)
    db.delete(STREAM)
    land(beta, db, "beta-after", 1, 1)
    assert [r["event"] for r in _said(beta)] == ["redis_stream_gone"], beta.log_text()[-3000:]
    land(alpha, db, "alpha-after", 1, 2)
    assert [r["event"] for r in _said(alpha)] == ["redis_stream_gone"], alpha.log_text()[-3000:]


def test_senders_sharing_a_stream_that_stays_say_nothing(hookd_process_factory, own_redis):
    """No false alarm: two hosts and a restart of one, the stream kept throughout, under a user with
    exactly the documented ACL rule (no grant more)."""
    db = own_redis.client()
    password = "Zq8-acl-pw-53"
    db.execute_command("ACL", "SETUSER", "hookd-pub", "reset", "on", f">{password}", *publisher_rule(STREAM).split())
    db.execute_command("ACL", "LOG", "RESET")
    url = own_redis.url.replace("redis://", "redis://hookd-pub@", 1)
    quiet = {"redis_password": password, "redis_timeout_s": "1", "breaker_backoff_max_s": "1"}
    alpha = hookd_process_factory(redis_url=url, host="alpha", **quiet)
    gamma = hookd_process_factory(redis_url=url, host="gamma", **quiet)
    for round_ in range(3):
        land(alpha, db, f"alpha-{round_}", 2, 4 * round_ + 2)
        land(gamma, db, f"gamma-{round_}", 2, 4 * round_ + 4)
    start = _calls(db, "hmget")
    wait_until(lambda: _calls(db, "hmget") >= start + 4, timeout=60, what="idle checks")
    assert _said(alpha) == [] and _said(gamma) == [], (alpha.log_text()[-2000:], gamma.log_text()[-2000:])
    assert db.execute_command("ACL", "LOG") == []
    # A restart of alpha (its earlier run's last event stands for what landed) says nothing either.
    assert alpha.stop() == 0
    alpha.start()
    land(alpha, db, "alpha-restarted", 1, 13)
    start = _calls(db, "hmget")
    wait_until(lambda: _calls(db, "hmget") >= start + 2, timeout=60, what="idle checks after the restart")
    assert _said(alpha) == [], alpha.log_text()[-2000:]
