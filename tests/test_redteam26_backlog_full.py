"""The spool's backlog redacted again at start (daemon/backlog.py) when it fills more than half the spool.

Each waiting event's redacted copy was appended under spool_max_bytes, and the originals let go only
batch by batch: a backlog over about half the spool could not take its copies. Under the default
`spool_full_policy = "refuse"` the copies were refused and the whole backlog was published as the
old settings had left it (an AWS key the user had since stopped allowing reached Redis raw, 480 of
480); under "drop_oldest" the room was made by deleting the oldest waiting events, originals whose
copies were not made yet, so 404 of 480 events never reached Redis and the 76 that did were raw.
Now the copies may take the spool past its bound by a batch and a segment while the originals'
segments are deleted as the cursor passes them. Real `hookd run` processes, a real Redis.
"""

from __future__ import annotations

import json
import signal

import pytest
from conftest import free_port, log_records, wait_until

pytestmark = pytest.mark.process

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"
EVENTS = 480  # some 1.8 KiB each as spooled: 0.85 MiB of a 1 MiB spool
SPOOL = {"spool_max_bytes": str(1 << 20), "spool_segment_bytes": str(64 << 10), "spool_reserve_bytes": "0"}


@pytest.mark.parametrize("policy", ["refuse", "drop_oldest"])
def test_a_backlog_over_half_the_spool_is_redacted_again_whole(hookd_process_factory, redis_db, policy):
    away = hookd_process_factory(
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        redact_allow=json.dumps([AWS_KEY]),  # the key allowed then, not any more
        spool_full_policy=policy,
        **SPOOL,
    )
    pad = "lorem ipsum dolor sit amet " * 40
    for n in range(EVENTS):
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}", "note": f"key {AWS_KEY} {pad}"})
        done = away.send(body.encode(), "Stop", HOOKD_SEND_TIMEOUT_MS="5000")
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert away.stop(signal.SIGTERM) == 0
    assert not list((away.state_dir / "inbox").glob("*.hookd"))  # all of them in the spool, none refused
    back = hookd_process_factory(start=False, spool_full_policy=policy, **SPOOL)
    back.env["HOOKD_STATE_DIR"] = str(away.state_dir)
    back.state_dir = away.state_dir
    back.start()

    def said(event: str) -> list[dict]:
        return [r for r in log_records(back.log_text()) if r.get("event") == event]

    # Started: the backlog was dealt with (redacted again, or given up on) before the socket was served.
    wait_until(
        lambda: redis_db.xlen("hookd:events") >= EVENTS or said("spool_full_dropped"), timeout=60, what="the backlog"
    )
    assert not said("spool_full_dropped") and not said("spool_backlog_not_redacted")
    envelopes = [fields[b"envelope"] for _, fields in redis_db.xrange("hookd:events")]
    assert [json.loads(e)["session_id"] for e in envelopes] == [f"s{n}" for n in range(EVENTS)]
    assert not [e for e in envelopes if AWS_KEY.encode() in e]
    again = said("spool_redacted_again")
    assert len(again) == 1 and again[0]["secrets"] == {"aws_access_key_id": EVENTS}, again
