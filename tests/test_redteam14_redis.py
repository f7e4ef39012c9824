"""Fourteenth red-team pass: the session index's keys written by someone else (the thirteenth pass's
Left). A session's hash of another type, a hash field that is not a number, the sessions sorted set
of another type: the script used to err after it had XADDed the batch and raised the mark, so the
retry counted the events as repeats (`published` undercounted) and nothing said why. Now the events
count once, no try fails, and status names the key and the fix until the key is right again."""

from __future__ import annotations

import json

import pytest

from conftest import wait_for_entries, wait_until
from hookd.control import verdict
from hookd.publish.answers import UnexpectedReply, checked_counts
from secure_redis import hookd_cli
from test_redteam13_redis import numbers
from test_redteam13_redis import send as send_event
from test_redteam7_ui import _status
from test_redteam8_ui_api import Browser
from test_status import live_status, wait_status
from ui_stack import Ui

SESSION_KEY = "{hookd:events}:session:s14"
SESSIONS = "{hookd:events}:sessions"


def send(daemon, n: int, session: str = "s14", hook: str = "PostToolUse") -> None:
    send_event(daemon, n, session, hook)


def reasons(daemon) -> list[str]:
    return verdict.verdict(live_status(daemon))[1]


def test_a_session_hash_of_another_type_is_counted_named_and_written_again_once_deleted(hookd_factory, redis_db):
    daemon = hookd_factory(breaker_backoff_max_s="0.5")
    send(daemon, 0)
    wait_for_entries(redis_db, 1)
    redis_db.delete(SESSION_KEY)
    redis_db.set(SESSION_KEY, "not a hash")
    for n in range(1, 4):
        send(daemon, n)
    wait_for_entries(redis_db, 4)
    status = wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the spool drained")
    assert numbers(redis_db) == [0, 1, 2, 3]
    assert status["counters"]["published"] == 4
    assert status["counters"]["deduplicated"] == 0 and status["breaker"]["failures"] == 0
    assert "WRONGTYPE" in status["redis"]["index_refused"][SESSION_KEY]
    named = [r for r in reasons(daemon) if SESSION_KEY in r]
    assert named and f"redis-cli DEL '{SESSION_KEY}'" in named[0], reasons(daemon)
    shown = hookd_cli(daemon.env, "status")
    assert shown.returncode == 1 and SESSION_KEY in shown.stdout, shown.stdout
    # The key put right (deleted): the next event writes the hash again and status is healthy.
    redis_db.delete(SESSION_KEY)
    send(daemon, 4)
    wait_for_entries(redis_db, 5)
    wait_status(daemon, lambda s: not s["redis"]["index_refused"], "the refused key forgotten")
    assert redis_db.hget(SESSION_KEY, "events") == b"1"
    assert live_status(daemon)["counters"]["published"] == 5


def test_a_hash_field_that_is_not_a_number_fails_no_batch(hookd_factory, redis_db):
    """A hook_names that is not a number used to stop the script with a Lua error (comparing nil),
    an events field that is not one with HINCRBY's: both after the XADD."""
    daemon = hookd_factory(breaker_backoff_max_s="0.5")
    send(daemon, 0)
    wait_for_entries(redis_db, 1)
    redis_db.hset(SESSION_KEY, mapping={"hook_names": "many", "events": "lots"})
    send(daemon, 1, hook="Notification")  # a hook name the hash has no count of yet
    send(daemon, 2)
    wait_for_entries(redis_db, 3)
    status = wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the spool drained")
    assert numbers(redis_db) == [0, 1, 2]
    assert status["counters"]["published"] == 3 and status["breaker"]["failures"] == 0
    assert "not an integer" in status["redis"]["index_refused"][SESSION_KEY]


def test_a_sessions_set_of_another_type_costs_no_session_hash(hookd_factory, redis_db):
    daemon = hookd_factory(breaker_backoff_max_s="0.5")
    send(daemon, 0)
    wait_for_entries(redis_db, 1)
    redis_db.delete(SESSIONS)
    redis_db.set(SESSIONS, "x")
    send(daemon, 1)
    wait_for_entries(redis_db, 2)
    status = wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the spool drained")
    assert status["counters"]["published"] == 2 and status["breaker"]["failures"] == 0
    assert "WRONGTYPE" in status["redis"]["index_refused"][SESSIONS]
    assert redis_db.hget(SESSION_KEY, "events") == b"2"  # the hash is kept all the same


def test_replay_names_a_refused_session_key_and_counts_the_events(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory(start=False)
    redis_db.set("{hookd:events}:session:r14", "x")
    envelopes = [{"seq": n, "host": "h14", "event_id": f"e{n}", "hook": "Stop", "session_id": "r14"} for n in (1, 2)]
    path = tmp_path / "refused.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in envelopes))
    replayed = hookd_cli(daemon.env, "replay", "--file", str(path))
    assert replayed.returncode == 0, replayed.stderr
    assert "added 2" in replayed.stdout and "{hookd:events}:session:r14" in replayed.stderr, replayed
    assert redis_db.xlen("hookd:events") == 2


def test_an_answer_with_refused_keys_is_read_and_a_malformed_one_is_not():
    assert checked_counts([2, 0, b"k", b"WRONGTYPE x"], 2) == (2, 0, {"k": "WRONGTYPE x"})
    assert checked_counts([2, 0], 2) == (2, 0, {})
    for reply in ([2, 0, b"k"], [2, 0, 5, b"e"], [2, 0] + [b"k", b"e"] * 4):
        with pytest.raises(UnexpectedReply):
            checked_counts(reply, 2)


def test_the_ui_lists_the_other_indexed_sessions_past_a_hash_of_another_type(hookd, redis_db, tmp_path):
    """The UI read the index's rows in one pipeline that raised on the first error: one session's
    hash made another type emptied the index for the sessions list, leaving what the UI's memory
    holds (here, with --history 1, one session of three)."""
    for n, session in enumerate(("old1", "old2", "new")):
        send(hookd, n, session=session)
    wait_for_entries(redis_db, 3)
    redis_db.delete("{hookd:events}:session:old1")
    redis_db.set("{hookd:events}:session:old1", "not a hash")
    ui = Ui(hookd.env, tmp_path / "ui.log", history=1)
    try:
        wait_until(lambda: _status(ui)["kept"] == 1, timeout=30, what="the UI to start")
        code, body = Browser(ui).get("/api/sessions")
    finally:
        ui.stop()
    assert code == 200
    assert sorted(row["s"] for row in json.loads(body)) == ["new", "old2"], body[:300]
