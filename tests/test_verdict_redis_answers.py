"""The reasons `hookd status` gives while Redis answers but does not take the events yet: what Redis
said, the events spooled, and what they wait for. From a real daemon's status document, its Redis
state then set to each of these (the states themselves: tests/test_redis_holding_writes.py and its
neighbours)."""

from __future__ import annotations

import pytest

from hookd.control import verdict
from hookd.control.client import request


@pytest.mark.parametrize(
    "state, error, said",
    [
        ("holding_writes", "Redis holds writes", "Redis holds writes; 2 events spooled until Redis takes writes"),
        ("busy_script", "BUSY running a script", "BUSY running a script; 2 events spooled until the script ends"),
        ("slow", "a batch timed out", "a batch timed out; 2 events spooled until a batch crosses"),
    ],
)
def test_redis_answering_but_not_taking_events_says_what_they_wait_for(hookd, state, error, said):
    document = request(str(hookd.socket.parent / "control.sock"), "status")
    document["redis"].update({"state": state, "last_error": error})
    document["spool"]["events"] = 2
    code, reasons = verdict.verdict(document)
    assert code == verdict.DEGRADED, reasons
    assert said in reasons, reasons
