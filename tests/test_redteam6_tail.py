"""Red team, sixth pass: an entry whose envelope is JSON of the wrong shape stops `hookd tail`.

The stream holds what others wrote (every host publishing to it, anyone with the Redis
password). tail skipped an envelope that is not a JSON object, but took any object as
hookd's: a value of another type than hookd writes there (a list as ``tool_name``, ``risk`` or
``hook``, ``Infinity`` or ``NaN`` as ``duration_ms``, which Python's json reads, a year-9999
time, a time without a zone under ``--since``) raised out of the line's making and ended tail
with a traceback. With ``--group`` the entry stayed pending: every start of that consumer, and
every consumer that claimed it, read it first and died on it again. Now such an entry is
shown with what can be shown, or skipped with one line naming it, and tail goes on.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys

import pytest

from conftest import REPO

NOW = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")

POISON = {
    "tool_name_list": {"tool_name": ["Bash"]},
    "tool_name_object": {"tool_name": {"a": 1}, "payload": {"tool_input": {"command": "ls"}}},
    "hook_list": {"hook": ["Stop"], "tool_name": None},
    "risk_list": {"risk": ["high"]},
    "duration_infinity": {"duration_ms": float("inf")},
    "duration_nan": {"duration_ms": float("nan")},
    "year_9999": {"received_at": "9999-12-31T23:59:59.999999-14:00"},
    "payload_hook_list": {"hook": None, "payload": {"hook_event_name": ["Stop"]}},
    # These two held already; kept as guards.
    "risk_reasons_object": {"risk": "high", "risk_reasons": {"x": 1}},
    "tool_input_todos": {"tool_name": "TodoWrite", "payload": {"tool_input": {"todos": 5}}},
}


def xadd(client, event_id: str, **fields) -> None:
    envelope = {
        "v": 1,
        "event_id": event_id,
        "seq": 1,
        "host": "h",
        "hook": "PreToolUse",
        "session_id": "cccc3333",
        "tool_name": "Bash",
        "received_at": NOW,
        "payload": {"tool_input": {"command": "ls"}},
        **fields,
    }
    text = json.dumps(envelope)  # Infinity and NaN as Python's json writes (and reads) them
    client.xadd("hookd:events", {"envelope": text.encode(), "event_id": event_id.encode(), "hook": b"PreToolUse"})


def tail(hookd, *args):
    return subprocess.run(
        [sys.executable, "-m", "hookd", "tail", *args],
        capture_output=True,
        text=True,
        env=hookd.env,
        cwd=REPO,
        timeout=30,
    )


@pytest.mark.parametrize("poison", sorted(POISON))
def test_an_envelope_of_the_wrong_shape_does_not_stop_tail(hookd, redis_db, poison):
    xadd(redis_db, "poison", **POISON[poison])
    xadd(redis_db, "after", payload={"tool_input": {"command": "echo after"}})
    done = tail(hookd, "--since", "1h", "--count", "2")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "echo after" in done.stdout, (done.stdout, done.stderr)


def test_since_with_an_envelope_time_without_a_zone(hookd, redis_db):
    xadd(redis_db, "poison", received_at="2026-01-01T00:00:00")
    xadd(redis_db, "after", payload={"tool_input": {"command": "echo after"}})
    done = tail(hookd, "--since", "1h", "--count", "1")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "echo after" in done.stdout, (done.stdout, done.stderr)


def test_a_poisoned_entry_does_not_stop_every_consumer_of_a_group(hookd, redis_db):
    redis_db.xgroup_create("hookd:events", "readers", id="0", mkstream=True)
    xadd(redis_db, "poison", duration_ms=float("inf"))
    xadd(redis_db, "after", payload={"tool_input": {"command": "echo after"}})
    shown = ""
    for consumer in ("one", "two"):  # one line each; the second takes what the first left
        done = tail(hookd, "--group", "readers", "--consumer", consumer, "--count", "1")
        assert done.returncode == 0 and "Traceback" not in done.stderr, (consumer, done.stderr)
        shown += done.stdout
    assert "echo after" in shown, shown
    pending = redis_db.xpending("hookd:events", "readers")
    assert pending["pending"] == 0, pending
