"""A loss in Redis while hookd is quiet is said then, not at the next event (forty-second pass).

h151 made the first batch on its way carry what landed, so a `FLUSHALL`, the marks deleted (what an
eviction of them leaves) or the stream deleted were said at the next batch: a hookd that received
nothing after it said nothing, and `hookd status` showed no loss, for as long as no event came. Now the
publisher, idle, reads the marks every breaker_backoff_max_s (HMGET, and HGET of the stream, which the
documented ACL rule grants: a stream answers it WRONGTYPE, a missing key nil). Real redis-server (the
test's own, flushed mid-test), real `hookd run`; no event is sent between the loss and what is asserted.
"""

from __future__ import annotations

import subprocess
import time
import sys

import pytest
from conftest import log_records, stream_entries, wait_until
from own_redis import land, own_redis  # noqa: F401 (a fixture)

from hookd.publish.acl import publisher_rule

pytestmark = pytest.mark.process

STREAM = "hookd:events"
MARKS = "{hookd:events}:hwm"
SAID = ("redis_lost_events", "redis_stream_gone", "redis_marks_missing")

LOSSES = {
    "flushall": lambda db: db.flushall(),
    "marks_gone": lambda db: db.delete(MARKS),
    "stream_gone": lambda db: db.delete(STREAM),
    # deleted and made again by a client that is not hookd: said only at the next batch before
    "stream_remade": lambda db: db.pipeline().delete(STREAM).xadd(STREAM, {"by": "another client"}).execute(),
}
SHOWN = {
    "stream_gone": "was gone, its marks kept",
    "stream_remade": "was deleted and made again since, by another sender or client",
}


def _calls(db, command: str) -> int:
    return int(db.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))


def _checks_pass(db, count: int) -> None:
    """Wait until hookd has read the marks ``count`` times more (each idle check is one HMGET)."""
    start = _calls(db, "hmget")
    wait_until(lambda: _calls(db, "hmget") >= start + count, timeout=60, what=f"{count} idle checks")


def _said(daemon) -> list[dict]:
    return [r for r in log_records(daemon.log_text()) if r.get("event") in SAID]


def _status(daemon) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hookd", "status"], env=daemon.env, capture_output=True, text=True, timeout=30
    )


def _quiet_daemon(hookd_process_factory, server):
    return hookd_process_factory(redis_url=server.url, redis_timeout_s="1", breaker_backoff_max_s="1")


@pytest.mark.parametrize("loss", list(LOSSES))
def test_a_loss_while_quiet_is_said_without_an_event(hookd_process_factory, own_redis, loss):
    db = own_redis.client()
    daemon = _quiet_daemon(hookd_process_factory, own_redis)
    land(daemon, db, "landed", 10, 10)
    landed = [int(e[b"seq"]) for e in stream_entries(db)]
    LOSSES[loss](db)
    wait_until(lambda: _said(daemon), timeout=30, what="the loss said with no event sent")
    _checks_pass(db, 3)  # and said once: the checks after it say nothing more
    said = _said(daemon)
    event = "redis_stream_gone" if loss in SHOWN else "redis_lost_events"
    assert [r["event"] for r in said] == [event], daemon.log_text()[-3000:]
    assert said[0]["landed_seq"] == landed[-1], (said[0], landed)
    status = _status(daemon)
    shown = SHOWN.get(loss, "Redis lost events it had taken")
    assert shown in status.stdout, status.stdout
    # The next event lands (the stream made again), and nothing more is said of the loss.
    before = db.xlen(STREAM)
    daemon.send_stop("after")
    wait_until(lambda: db.xlen(STREAM) == before + 1, timeout=30, what="the event after the loss")
    _checks_pass(db, 2)
    assert [r["event"] for r in _said(daemon)] == [event], daemon.log_text()[-3000:]


def test_nothing_lost_stays_healthy_across_many_checks(hookd_process_factory, own_redis):
    db = own_redis.client()
    daemon = _quiet_daemon(hookd_process_factory, own_redis)
    land(daemon, db, "landed", 5, 5)
    hget, hmget = _calls(db, "hget"), _calls(db, "hmget")
    _checks_pass(db, 8)
    # Each check's HGET follows its HMGET's answer: the eighth may be on its way when the HMGETs are counted.
    wait_until(
        lambda: _calls(db, "hget") >= hget + 8, timeout=30, what="each idle check to ask whether the stream is there"
    )
    land(daemon, db, "more", 3, 8)  # checks between batches, then quiet again
    _checks_pass(db, 4)
    assert _calls(db, "hmget") >= hmget + 12
    assert not _said(daemon), daemon.log_text()[-3000:]
    names = [r.get("event") for r in log_records(daemon.log_text())]
    assert "redis_down" not in names and "redis_refused_batch" not in names, names
    status = _status(daemon)
    assert status.returncode == 0 and "lost" not in status.stdout, status.stdout
    assert db.xlen(STREAM) == 8


def test_redis_gone_while_quiet_and_back_is_checked_again(hookd_process_factory, own_redis):
    """A check that finds Redis gone drops its connection and says nothing (the next batch says an outage);
    Redis started again with nothing (no persistence): the next check, connected again, says the loss."""
    db = own_redis.client()
    daemon = _quiet_daemon(hookd_process_factory, own_redis)
    land(daemon, db, "landed", 4, 4)
    landed = [int(e[b"seq"]) for e in stream_entries(db)]
    own_redis.stop()
    own_redis.start()  # --save "": empty
    wait_until(lambda: _said(daemon), timeout=30, what="the loss said with no event sent")
    said = _said(daemon)
    assert [(r["event"], r["landed_seq"], r["mark"]) for r in said] == [("redis_lost_events", landed[-1], None)]
    daemon.send_stop("after")
    wait_until(lambda: db.xlen(STREAM) == 1, timeout=30, what="the event after the restart")
    assert int(stream_entries(db)[0][b"seq"]) > landed[-1]
    names = [r.get("event") for r in log_records(daemon.log_text())]
    assert "redis_down" not in names and "redis_refused_batch" not in names, names
    # Connected again by a check, the connection was readied as a new lease is: the script loaded before
    # the batch, which Redis did not have to refuse.
    assert "errorstat_NOSCRIPT" not in db.info("errorstats"), db.info("errorstats")


def test_the_idle_check_needs_nothing_past_the_documented_acl_rule(hookd_process_factory, own_redis):
    """Under a user with exactly docs/redis.md's rule: the stream deleted while quiet is said, and Redis
    refused hookd nothing (its ACL LOG is empty) across the checks."""
    db = own_redis.client()
    password = "Zq8-acl-pw-42"
    db.execute_command("ACL", "SETUSER", "hookd-pub", "reset", "on", f">{password}", *publisher_rule(STREAM).split())
    db.execute_command("ACL", "LOG", "RESET")
    url = own_redis.url.replace("redis://", "redis://hookd-pub@", 1)
    daemon = hookd_process_factory(
        redis_url=url, redis_password=password, redis_timeout_s="1", breaker_backoff_max_s="1"
    )
    land(daemon, db, "landed", 3, 3)
    db.delete(STREAM)
    wait_until(lambda: _said(daemon), timeout=30, what="the stream's loss said with no event sent")
    _checks_pass(db, 3)
    assert [r["event"] for r in _said(daemon)] == ["redis_stream_gone"], daemon.log_text()[-3000:]
    assert db.execute_command("ACL", "LOG") == []


def test_the_idle_checks_xinfo_is_asked_at_most_once_a_second(hookd_factory, own_redis):
    """breaker_backoff_max_s = 0.02: the idle check (HMGET, HGET) runs about fifty times a second, and each of its two
    XINFO STREAM (of the marks key, whether it is granted; in STREAM_REMADE, which copies the stream's first and last
    entries into the script) at most once a second (the ninety-fourth pass: before, both at each check). The time is
    the test's own, which only loosens the bound."""
    db = own_redis.client()
    daemon = hookd_factory(redis_url=own_redis.url, redis_timeout_s="1", breaker_backoff_max_s="0.02")
    land(daemon, db, "landed", 5, 5)
    start, xinfo, hmget = time.monotonic(), _calls(db, "xinfo|stream"), _calls(db, "hmget")
    wait_until(
        lambda: _calls(db, "hmget") >= hmget + 25 and _calls(db, "xinfo|stream") >= xinfo + 2,
        timeout=30,
        what="25 idle checks and XINFO asked again",
    )
    elapsed, asked = time.monotonic() - start, _calls(db, "xinfo|stream") - xinfo
    assert asked <= 2 * (elapsed + 1), f"XINFO STREAM asked {asked} times in {elapsed:.1f}s of idle checks"
    assert not _said(daemon), daemon.log_text()[-3000:]
    db.pipeline().delete(STREAM).xadd(STREAM, {"by": "another client"}).execute()
    wait_until(lambda: _said(daemon), timeout=30, what="the remade stream said, the bound notwithstanding")
    assert [r["event"] for r in _said(daemon)] == ["redis_stream_gone"]
