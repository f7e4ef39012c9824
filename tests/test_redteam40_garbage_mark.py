"""A mark rewritten by hand to something that is not a number: the refusal names the key and the fix.

The script read the sender's mark with a Lua ``error()`` on anything but digits: every batch was
refused with "ERR user_script:6: hookd: not a sequence number: ..." (the garbage echoed whole, of any
length), naming neither hookd's marks hash nor what to do. The events wait in the spool either way.
Real redis-server, real `hookd run`.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import wait_until, sender_marks
from own_redis import land, own_redis  # noqa: F401 (a fixture)

pytestmark = pytest.mark.process

STREAM = "hookd:events"
MARKS = "{hookd:events}:hwm"


def _status(daemon) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, text=True, timeout=30
    )
    return json.loads(done.stdout)


def test_a_garbage_mark_is_refused_naming_the_key_and_the_fix(hookd_process_factory, own_redis):
    server = own_redis
    db = server.client()
    daemon = hookd_process_factory(redis_url=server.url, redis_timeout_s="1", breaker_backoff_max_s="1")
    daemon.send_stop("first")
    wait_until(lambda: db.xlen(STREAM) == 1, timeout=30, what="the first event")
    (sender,) = sender_marks(db)
    db.hset(MARKS, sender, "garbage" * 10_000)
    daemon.send_stop("second")
    said = wait_until(
        lambda: next((e for e in [json.dumps(_status(daemon))] if "garbage" in e or MARKS in e), None),
        timeout=30,
        what="status to say why the batch is refused",
    )
    assert MARKS in said and "HDEL" in said, said[:3000]
    assert said.count("garbage") < 100, "the value is echoed whole"
    assert db.xlen(STREAM) == 1 and _status(daemon)["spool"]["events"] == 1  # waits, not lost
    db.hdel(MARKS, sender)  # the fix named
    wait_until(lambda: db.xlen(STREAM) == 2, timeout=30, what="the event after the fix")
