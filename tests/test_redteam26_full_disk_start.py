"""`hookd run` started on the disk its own spool filled.

hookd reserves a block of sequence numbers on the disk before it numbers anything, at start as at
each block's end. On a state filesystem its spool had filled while Redis was away, that write failed
and `hookd run` exited 1 with a traceback (ENOSPC in sequence.py): the spool, whose publishing is
what frees that disk, was never published, and Redis being back changed nothing. Now the start says
`sequence_not_reserved` and goes on: the spool is published; a number is reserved again when an
event needs one, and none is issued unreserved. Real `hookd run` processes on a tmpfs, a real Redis.
"""

from __future__ import annotations

import json
import os
import signal

import pytest
from conftest import free_port, log_records, wait_for_entries
from test_disk_full import fill, mounts  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)"),
]

EVENTS = 200
SPOOL = {"spool_max_bytes": str(1 << 20), "spool_segment_bytes": str(64 << 10), "spool_reserve_bytes": str(64 << 10)}


def test_a_start_on_a_disk_the_spool_filled_publishes_the_spool(hookd_process_factory, redis_db, tmp_path, mounts):
    mounts(tmp_path / "fs", "2m")
    state = tmp_path / "fs" / "state"
    away = hookd_process_factory(start=False, redis_url=f"redis://127.0.0.1:{free_port()}/0", **SPOOL)
    away.env["HOOKD_STATE_DIR"], away.state_dir = str(state), state
    away.start()
    pad = "lorem ipsum dolor sit amet " * 40
    for n in range(EVENTS):
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}", "note": pad})
        done = away.send(body.encode(), "Stop", HOOKD_SEND_TIMEOUT_MS="5000")
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert away.stop(signal.SIGTERM) == 0
    filler = fill(tmp_path / "fs")  # the rest of the disk taken, as by the spool going on filling it

    back = hookd_process_factory(start=False, **SPOOL)
    back.env["HOOKD_STATE_DIR"], back.state_dir = str(state), state
    back.start()
    envelopes = [json.loads(fields[b"envelope"]) for fields in wait_for_entries(redis_db, EVENTS)]
    assert [e["session_id"] for e in envelopes] == [f"s{n}" for n in range(EVENTS)]
    said = [r for r in log_records(back.log_text()) if r.get("event") == "sequence_not_reserved"]
    assert len(said) == 1 and said[0]["error"] == "No space left on device", said

    # Room again (the published segments stay two minutes for the start's hand-off check, so the
    # user's file goes): a new event is numbered, after every earlier one.
    filler.unlink()
    back.send_stop("after")
    last = json.loads(wait_for_entries(redis_db, EVENTS + 1)[-1][b"envelope"])
    assert last["session_id"] == "after" and last["seq"] > max(e["seq"] for e in envelopes)
