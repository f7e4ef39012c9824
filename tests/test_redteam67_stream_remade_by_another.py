"""A stream deleted and made again by a client that is not hookd is said (sixty-seventh pass).

The fifty-third pass told a stream made again by another hookd sender (its batch writes the new
identity); one made again by any other client (a script's XADD, a restart of Redis that kept the marks
but not the stream) kept the old identity, and hookd said nothing of the events that were gone. Now the
script keeps the last id it added and the stream's count of entries ever added then (XINFO STREAM),
and a stream that counts fewer, or whose last id went back, or that holds more past that id than were
added since, is not the one: `redis_stream_gone`, once. Real redis-server (the test's own), real `hookd
run` processes, under exactly the documented ACL rule.
"""

from __future__ import annotations

import functools
import os
import signal
import time

import pytest
from conftest import log_records, stream_entries, wait_until
from own_redis import land, own_redis  # noqa: F401 (a fixture)
from test_status import live_status

from hookd.config import Config
from hookd.publish.acl import publisher_rule
from hookd.publish.script import PUBLISH_BATCH, batch_args, script_keys
from hookd.publish.settings import PublishSettings
from hookd.spool.event import Event

pytestmark = pytest.mark.process

STREAM = "hookd:events"
SAID = ("redis_lost_events", "redis_stream_gone", "redis_marks_missing")
PASSWORD = "Zq8-acl-pw-67"
# The script asks the stream what it is (XINFO STREAM, whose reply carries its first and last entries
# whole) once a second at most: a batch sooner after the last ask is not checked, the next one is.
ASKED_EVERY_S = 1.0


def _said(daemon) -> list[dict]:
    return [r for r in log_records(daemon.log_text()) if r.get("event") in SAID]


def _daemon(factory, server, db, host: str, rule: str | None = None, **settings: str):
    db.execute_command(
        "ACL", "SETUSER", "hookd-pub", "reset", "on", f">{PASSWORD}", *(rule or publisher_rule()).split()
    )
    url = server.url.replace("redis://", "redis://hookd-pub@", 1)
    settings = {"redis_timeout_s": "1", "breaker_backoff_max_s": "30", **settings}
    return factory(redis_url=url, redis_password=PASSWORD, host=host, **settings)


def _remade(db, alpha, how) -> None:
    """The stream deleted and written again by another client (``how``) while alpha is stopped."""
    os.kill(alpha.proc.pid, signal.SIGSTOP)
    try:
        db.delete(STREAM)
        how(db)
        time.sleep(ASKED_EVERY_S + 0.1)
    finally:
        os.kill(alpha.proc.pid, signal.SIGCONT)


def _one_entry(db) -> None:
    db.xadd(STREAM, {"other": "writer"})


def _more_entries_than_hookd_added(db) -> None:
    for i in range(12):
        db.xadd(STREAM, {"other": str(i)})


def _ids_from_long_ago(db) -> None:
    db.xadd(STREAM, {"other": "writer"}, id="5-0")
    db.xadd(STREAM, {"other": "writer"}, id="6-0")
    db.xadd(STREAM, {"other": "writer"}, id="7-0")
    db.xadd(STREAM, {"other": "writer"}, id="8-0")
    db.xadd(STREAM, {"other": "writer"}, id="9-0")


HOW = {
    "one entry": (_one_entry, 1),
    "more entries than hookd had added": (_more_entries_than_hookd_added, 12),
    "ids from long ago": (_ids_from_long_ago, 5),
}


@pytest.mark.parametrize("how, theirs", HOW.values(), ids=HOW.keys())
def test_a_stream_made_again_by_another_client_is_said_once(hookd_process_factory, own_redis, how, theirs):
    db = own_redis.client()
    alpha = _daemon(hookd_process_factory, own_redis, db, "alpha")
    land(alpha, db, "alpha", 4, 4)
    landed = max(int(e[b"seq"]) for e in stream_entries(db))
    _remade(db, alpha, how)

    alpha.send_stop("alpha-after")
    wait_until(lambda: db.xlen(STREAM) == theirs + 1, timeout=30, what="alpha's event in the stream made again")
    said = _said(alpha)
    assert [r["event"] for r in said] == ["redis_stream_gone"], alpha.log_text()[-3000:]
    assert said[0]["landed_seq"] == landed and "made again" in said[0]["error"], said
    status = live_status(alpha)
    assert status["redis"]["losses"] == 1 and "made again" in status["redis"]["lost"][0], status["redis"]
    # Once: the events after it land and say nothing more; none of alpha's is added twice.
    land(alpha, db, "alpha-later", 3, theirs + 4)
    assert len(_said(alpha)) == 1, alpha.log_text()[-3000:]
    ids = [e[b"event_id"] for e in stream_entries(db) if b"event_id" in e]
    assert len(ids) == len(set(ids)) == 4
    assert db.execute_command("ACL", "LOG") == []


def test_another_sender_is_told_by_the_identity_the_first_one_writes(hookd_process_factory, own_redis):
    """alpha and beta land; another client makes the stream again; alpha's batch says it and takes the
    new stream as its identity, and beta, whose events were in the old one too, says it at its next batch."""
    db = own_redis.client()
    alpha = _daemon(hookd_process_factory, own_redis, db, "alpha")
    beta = _daemon(hookd_process_factory, own_redis, db, "beta")
    land(alpha, db, "alpha", 2, 2)
    land(beta, db, "beta", 2, 4)
    db.delete(STREAM)
    _one_entry(db)
    time.sleep(ASKED_EVERY_S + 0.1)
    land(alpha, db, "alpha-after", 1, 2)
    land(beta, db, "beta-after", 1, 3)
    assert [r["event"] for r in _said(alpha)] == ["redis_stream_gone"], alpha.log_text()[-3000:]
    assert [r["event"] for r in _said(beta)] == ["redis_stream_gone"], beta.log_text()[-3000:]
    land(alpha, db, "alpha-later", 1, 4)
    land(beta, db, "beta-later", 1, 5)
    assert len(_said(alpha)) == len(_said(beta)) == 1


def test_another_writer_to_the_stream_that_stays_says_nothing(hookd_process_factory, own_redis):
    """No false alarm: another client adds to the stream hookd writes, trims it past hookd's last event,
    and deletes entries; hookd's batches between say nothing."""
    db = own_redis.client()
    alpha = _daemon(hookd_process_factory, own_redis, db, "alpha")
    land(alpha, db, "alpha", 3, 3)
    for i in range(20):
        db.xadd(STREAM, {"other": str(i)})
    land(alpha, db, "alpha-b", 2, 25)
    db.xtrim(STREAM, maxlen=5, approximate=False)
    first = db.xrange(STREAM, count=1)[0][0]
    db.xdel(STREAM, first)
    land(alpha, db, "alpha-c", 2, 6)
    db.xtrim(STREAM, maxlen=0, approximate=False)
    land(alpha, db, "alpha-d", 1, 1)
    assert _said(alpha) == [], alpha.log_text()[-3000:]
    assert db.execute_command("ACL", "LOG") == []


def test_the_stream_is_asked_once_a_second_at_most(hookd_process_factory, own_redis):
    """XINFO STREAM copies the stream's first and last entries (up to max_event_bytes each) in Redis's
    one thread: batches in a burst do not each ask it."""
    db = own_redis.client()
    alpha = _daemon(hookd_process_factory, own_redis, db, "alpha")
    land(alpha, db, "alpha", 1, 1)
    before = db.info("commandstats").get("cmdstat_xinfo|stream", {}).get("calls", 0)
    started = time.monotonic()
    for n in range(12):
        land(alpha, db, f"alpha-{n}", 1, 2 + n)  # each its own batch: landed before the next is sent
    elapsed = time.monotonic() - started
    asked = db.info("commandstats").get("cmdstat_xinfo|stream", {}).get("calls", 0) - before
    assert asked <= elapsed / ASKED_EVERY_S + 1 and asked < 12, (asked, elapsed)
    assert _said(alpha) == []


def test_a_rule_without_xinfo_publishes_and_says_it_once(hookd_process_factory, own_redis):
    db = own_redis.client()
    rule = publisher_rule().replace(" +xinfo|stream", "")
    alpha = _daemon(hookd_process_factory, own_redis, db, "alpha", rule=rule)
    land(alpha, db, "alpha", 3, 3)
    unasked = [r for r in log_records(alpha.log_text()) if r.get("event") == "redis_stream_unasked"]
    assert len(unasked) == 1 and "+xinfo|stream" in unasked[0]["hint"], alpha.log_text()[-3000:]
    assert _said(alpha) == []


def test_a_batch_sent_again_after_its_answer_was_lost_says_the_stream_made_again_once(hookd_process_factory, own_redis):
    """A batch whose answer hookd did not see (Redis stopped past redis_timeout_s; under load, a reply
    that came while hookd was not run) landed in the stream before another client made it again. Sent
    again one event at a time, it finds the stream made again (said), then, behind nothing, finds its
    event already added (in the old stream): it still takes the new stream as the one, so the next batch
    does not judge it made again a second time. The loss said names the seq Redis had taken."""
    db = own_redis.client()
    # The first retry waits (4-8 s, with jitter) so that none is sent while Redis is stopped: the one after
    # the remaking is then the first Redis answers. A retry answered before it (a slow test) lands the
    # event, and the next batch says the loss: once all the same.
    alpha = _daemon(hookd_process_factory, own_redis, db, "alpha", breaker_backoff_min_s="8")
    land(alpha, db, "alpha", 3, 3)
    try:
        landed = _answer_lost(db, own_redis.proc, alpha)
        db.delete(STREAM)
        _more_entries_than_hookd_added(db)
        time.sleep(ASKED_EVERY_S + 0.1)
    finally:
        os.kill(alpha.proc.pid, signal.SIGCONT)
    land(alpha, db, "alpha-after", 1, 13)
    time.sleep(ASKED_EVERY_S + 0.1)  # the next batch asks the stream what it is
    land(alpha, db, "alpha-later", 2, 15)
    said = _said(alpha)
    assert [r["event"] for r in said] == ["redis_stream_gone"], alpha.log_text()[-3000:]
    assert said[0]["landed_seq"] == landed and "made again" in said[0]["error"], said
    ids = [e[b"event_id"] for e in stream_entries(db) if b"event_id" in e]
    assert len(ids) == len(set(ids)) == 3


def _script_publisher(db):
    """publish(host, *seqs, after=0): PUBLISH_BATCH run on ``db`` itself, as a sender ``host`` would, with
    Stop events ``seqs`` behind ``after``; what the script answers."""
    settings = PublishSettings.from_config(Config(session_index=False))
    script = db.register_script(PUBLISH_BATCH)

    def publish(host: str, *seqs: int, after: int = 0) -> list:
        events = [Event(seq, host, f"{host}{seq}", "Stop", "s", "", b"{}", instance="i") for seq in seqs]
        return script(keys=script_keys(settings.stream), args=batch_args(settings, events, after))

    return publish


def test_the_script_takes_the_stream_made_again_from_a_batch_that_adds_nothing(own_redis):
    """At the script itself: behind nothing (after 0), a batch all of whose events are at or below the mark
    (they went into the old stream) still takes the stream made again as this sender's, and gives it a new
    identity, so the sender's next batch adds to it and another sender whose events were in the old one is told."""
    db = own_redis.client()
    publish = _script_publisher(db)

    assert publish("alpha", 1, 2, 3) == [3, 0]
    assert publish("beta", 1) == [1, 0]
    assert publish("alpha", 4, after=3) == [1, 0]  # landed; its answer lost on the way
    # Before the stream is made again: its first id is then past alpha's last (in the same millisecond
    # it would not be, and the stream could not be told from the one alpha added to), and the next
    # batch asks it.
    time.sleep(ASKED_EVERY_S + 0.1)
    db.delete(STREAM)
    _more_entries_than_hookd_added(db)
    assert publish("alpha", 4, after=3) == [-1, b"4", b"remade"]
    assert publish("alpha", 4) == [0, 1]
    time.sleep(ASKED_EVERY_S + 0.1)
    assert publish("alpha", 5, after=4) == [1, 0]
    assert publish("beta", 2, after=1) == [-1, b"1", b"remade"]
    assert publish("beta", 2) == [1, 0]
    time.sleep(ASKED_EVERY_S + 0.1)
    assert publish("alpha", 6, after=5) == [1, 0]
    assert publish("beta", 3, after=2) == [1, 0]


def test_the_script_asks_the_stream_for_every_batch_behind_nothing(own_redis):
    """A batch behind nothing (after a loss said by the idle check, which asks XINFO and writes nothing; or
    the first of a run) asks the stream what it is however soon after the last ask: it is the one that takes
    a stream made again as this sender's. Not asking, it added to the new stream and left the old one's last
    kept, and the sender's next batch that asked found the stream made again a second time."""
    db = own_redis.client()
    publish = functools.partial(_script_publisher(db), "alpha")

    asked = db.info("commandstats").get("cmdstat_xinfo|stream", {}).get("calls", 0)
    assert publish(1) == [1, 0]
    db.delete(STREAM)
    _more_entries_than_hookd_added(db)
    assert publish(2) == [1, 0]  # the idle check said the loss (as a batch refused behind 1 would)
    assert db.info("commandstats")["cmdstat_xinfo|stream"]["calls"] == asked + 2
    time.sleep(ASKED_EVERY_S + 0.1)
    assert publish(3, after=2) == [1, 0]


def test_a_stream_made_again_whose_first_id_is_hookds_last_is_told(own_redis):
    """Made again in the millisecond of hookd's last event (or with that id given), the new stream's first
    entry has hookd's last id: it is not past it, and the stream was taken for the one. The one hookd added
    to holds that entry and what was added since, no more."""
    db = own_redis.client()
    publish = functools.partial(_script_publisher(db), "alpha")

    assert publish(1, 2, 3) == [3, 0]
    last = db.xrevrange(STREAM, count=1)[0][0]
    db.delete(STREAM)
    db.xadd(STREAM, {"other": "writer"}, id=last)
    _more_entries_than_hookd_added(db)
    time.sleep(ASKED_EVERY_S + 0.1)
    assert publish(4, after=3) == [-1, b"3", b"remade"]
    assert publish(4) == [1, 0]
    time.sleep(ASKED_EVERY_S + 0.1)
    assert publish(5, after=4) == [1, 0]


def _answer_lost(db, redis_proc, alpha, checks_often: bool = False) -> int:
    """alpha's next batch lands in Redis while hookd has given up on its answer (Redis stopped past
    redis_timeout_s); alpha is left stopped, its batch unanswered. -> the seq of the event that landed.
    A retry sent before alpha is stopped times out as well, and is skipped when Redis runs it.

    With ``checks_often`` (alpha's idle check every 2 s), Redis is stopped just after one (its HGET of the
    stream answered WRONGTYPE): a check still waiting on the stopped Redis when the event comes is dropped with
    its connection (in_flight.py), and the batch then waits on a new connection's handshake, never sent, so
    Redis would never run it. The next check is then 2 s away."""
    if checks_often:
        checked = _wrongtype(db)
        wait_until(lambda: _wrongtype(db) > checked, timeout=60, what="an idle check of alpha's")
        time.sleep(0.2)  # the check's last commands (XINFO STREAM at most) answered
    os.kill(redis_proc.pid, signal.SIGSTOP)
    try:
        alpha.send_stop("alpha-unanswered")
        failed = ("redis_down", "redis_link_slow", "redis_holding_writes")
        wait_until(
            lambda: any(r.get("event") in failed for r in log_records(alpha.log_text())),
            timeout=60,
            what="alpha's batch timed out",
        )
        os.kill(alpha.proc.pid, signal.SIGSTOP)
    finally:
        os.kill(redis_proc.pid, signal.SIGCONT)
    wait_until(lambda: db.xlen(STREAM) == 4, timeout=30, what="Redis ran the batch hookd gave up on")
    return max(int(e[b"seq"]) for e in stream_entries(db))


def _wrongtype(db) -> int:
    return int(db.info("errorstats").get("errorstat_WRONGTYPE", {}).get("count", 0))


@pytest.mark.parametrize("remade", [True, False], ids=["remade by another sender", "the same stream"])
def test_a_lost_answer_then_the_marks_read_on_connecting_again(hookd_process_factory, own_redis, remade):
    """alpha's batch landed and its answer was lost; while alpha is stopped, the stream is deleted and
    another hookd sender (beta) makes it again, writing the new identity, or beta only adds to the same
    stream. alpha, connecting again, reads the marks (lost.py check): the stream made again is said once,
    up to the seq Redis had taken (the batch whose answer was lost went into it too, not only what alpha
    saw land); the same stream is said not at all."""
    db = own_redis.client()
    # An idle check every 2 s (each asks the stream what it is: STREAM_REMADE), and a retry as often.
    alpha = _daemon(hookd_process_factory, own_redis, db, "alpha", breaker_backoff_min_s="2", breaker_backoff_max_s="2")
    beta = _daemon(hookd_process_factory, own_redis, db, "beta")
    land(alpha, db, "alpha", 3, 3)
    try:
        landed = _answer_lost(db, own_redis.proc, alpha, checks_often=True)
        if remade:
            db.delete(STREAM)
        land(beta, db, "beta", 1, 1 if remade else 5)
    finally:
        os.kill(alpha.proc.pid, signal.SIGCONT)
    total = 2 if remade else 6
    land(alpha, db, "alpha-after", 1, total)
    time.sleep(ASKED_EVERY_S + 0.1)  # the next batch asks the stream what it is
    land(alpha, db, "alpha-later", 2, total + 2)
    # Two idle checks of alpha's since (each HGET of the stream answers WRONGTYPE; beta's, every 30 s, one
    # at most): the stream, made again and taken or the same, is not judged gone by them either.
    checked = _wrongtype(db)
    wait_until(lambda: _wrongtype(db) >= checked + 3, timeout=60, what="two idle checks of alpha's")
    said = _said(alpha)
    if remade:
        assert [r["event"] for r in said] == ["redis_stream_gone"], alpha.log_text()[-3000:]
        assert said[0]["landed_seq"] == landed and "made again" in said[0]["error"], said
    else:
        assert said == [], alpha.log_text()[-3000:]
    assert _said(beta) == [], beta.log_text()[-3000:]
    ids = [e[b"event_id"] for e in stream_entries(db) if b"event_id" in e]
    assert len(ids) == len(set(ids)) == total + 2
