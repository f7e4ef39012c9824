"""The fifteenth red-team pass's Left: the events a batch added before an XADD failed half-way
were never counted in the session index, nor as published.

The script raises the mark to the last event added before a refused XADD (the fifteenth pass),
so the resend skips those events: they were in the stream once, but the session's hash, which
the script writes only for the events it adds, never counted them, and `published` counted them
as repeats (`deduplicated`). The script now indexes the events added before the refusal and
answers how many landed beside it; hookd counts them as published then, not as repeats after.
"""

from __future__ import annotations

from conftest import wait_for_entries
from test_redteam13_redis import numbers
from test_redteam15_redis_keys import LAST_ID, numbers_of, three_spooled_with_room_for_two
from test_status import wait_status

SESSION = "{hookd:events}:session:s13"


def test_events_added_before_a_refused_xadd_are_indexed_and_published_once(hookd_factory, redis_db):
    daemon = hookd_factory(breaker_backoff_max_s="0.2")
    three_spooled_with_room_for_two(daemon, redis_db)
    status = wait_status(daemon, lambda s: "exhausted" in (s["redis"]["last_error"] or ""), "the stream full")
    assert status["redis"]["state"] == "refusing"
    # On the code before: 1 (event 1, sent alone after the failures; event 2 not counted).
    assert int(redis_db.hget(SESSION, "events")) == 2
    redis_db.rename("hookd:events", "hookd:full")
    wait_for_entries(redis_db, 1)
    status = wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the spool drained")
    landed = numbers_of([f for _, f in redis_db.xrange("hookd:full")][1:]) + numbers(redis_db)
    assert sorted(landed) == [1, 2, 3]
    # On the code before: events 1 and 2 (in the stream) missing from the session's hash, and
    # counted as repeats: events 1, published 1, deduplicated 2.
    assert int(redis_db.hget(SESSION, "events")) == 3
    assert int(redis_db.hget(SESSION, "hook:PostToolUse")) == 3
    counters = status["counters"]
    assert (counters["published"], counters["deduplicated"]) == (3, 0), counters


def test_an_answer_with_a_stream_refusal_is_read_as_partly_added():
    import pytest

    from hookd.publish.answers import PartlyAdded, UnexpectedReply, checked_counts

    with pytest.raises(PartlyAdded) as caught:
        checked_counts([2, 0, b"k", b"WRONGTYPE x", b"", b"ERR exhausted (the key ...)"], 3)
    assert (caught.value.added, caught.value.refused, str(caught.value)) == (
        2,
        {"k": "WRONGTYPE x"},
        "ERR exhausted (the key ...)",
    )
    # Counts that account for the batch, nothing added, or one pair too many: not the script's.
    for reply in ([3, 0, b"", b"e"], [0, 0, b"", b"e"], [1, 0] + [b"k", b"e"] * 5 + [b"", b"e"]):
        with pytest.raises(UnexpectedReply):
            checked_counts(reply, 2 if len(reply) > 4 else 3)


def test_replay_says_how_many_landed_before_a_refused_xadd(redis_server, redis_db, capsys, tmp_path):
    from test_replay import envelope, replay, write_jsonl

    redis_db.xadd("hookd:events", {"envelope": "{}"}, id=f"{LAST_ID}-{LAST_ID - 2}")  # room for two
    path = tmp_path / "in.jsonl"
    write_jsonl(path, [envelope("a", n, session="s15r") for n in (1, 2, 3)])
    code, _, err = replay(capsys, tmp_path / "state", redis_server.url, "--file", str(path))
    assert code != 0
    # On the code before: "nothing was published", of two events that had landed.
    assert "2 of 3 events were added before it failed" in err, err
    # Redis answered: not "Start Redis" (what it said of every failure).
    assert "Fix what Redis refused (named above)" in err and "Start Redis" not in err
