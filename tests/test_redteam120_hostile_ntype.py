"""Hundred-twentieth red-team pass: a Notification whose notification_type is not a string.

The publisher reads a Notification's type from its envelope to write its session's `state` into the
index (publish/script.py, session_state.state_after). The type is whatever JSON the hook gave: a list
or an object is unhashable, and `in` a frozenset raised TypeError while the batch's arguments were
built, so the batch, and every batch after it, was never published (the event stayed at the head of
the spool). Now any type that is not a string leaves the session as an ordinary aside does."""

from __future__ import annotations

import json

import pytest

from conftest import wait_for_entries
from hookd.publish.session_state import state_after

HOSTILE = [["permission_prompt"], {"a": 1}, 7, None, True, 1.5, "x" * 100_000, "permission_prompt\u0301"]


@pytest.mark.parametrize("ntype", HOSTILE, ids=lambda v: type(v).__name__)
def test_a_hostile_notification_type_leaves_the_state_as_it_was(ntype):
    assert state_after("Notification", ntype) == ""


def test_a_notification_typed_as_a_list_is_published_and_so_is_the_next_event(hookd, redis_db):
    sent = 0
    for ntype in ([], ["permission_prompt"], {"permission_prompt": 1}):
        event = {"hook_event_name": "Notification", "session_id": "s", "notification_type": ntype, "message": "m"}
        done = hookd.send(json.dumps(event).encode())
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
        sent += 1
    done = hookd.send(json.dumps({"hook_event_name": "Stop", "session_id": "s"}).encode())
    assert done.returncode == 0
    entries = wait_for_entries(redis_db, sent + 1)
    assert len(entries) == sent + 1
    row = {k.decode(): v.decode() for k, v in redis_db.hgetall("{hookd:events}:session:s").items()}
    assert (row["state"], row["events"]) == ("stopped", str(sent + 1))
