"""A full disk at a write of an event's own state is refused as `disk_full`, not as a bug.

An event is numbered before it is spooled, and a number is reserved on the disk (sequence.py)
before it is issued. On a state filesystem that is full, that write failed and the event was
refused as an internal error (`event_failed_internally`, a traceback in the log for each event,
reason `unavailable`), and `hookd status` said nothing of the disk. Now the refusal is `disk_full`,
counted, its lines throttled as every refusal's, naming the file and the fix; status says DISK
FULL until there is room, and then events are numbered again. Real `hookd run` on a tmpfs.
"""

from __future__ import annotations

import json
import os
import signal

import pytest
from conftest import free_port, log_records, wait_until
from test_disk_full import fill, mounts, status  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)"),
]

SPOOL = {"spool_max_bytes": str(1 << 20), "spool_segment_bytes": str(64 << 10), "spool_reserve_bytes": str(64 << 10)}
REFUSED = 3


def test_an_event_that_cannot_be_numbered_on_a_full_disk_is_refused_as_disk_full(
    hookd_process_factory, tmp_path, mounts
):
    mounts(tmp_path / "fs", "2m")
    state = tmp_path / "fs" / "state"
    away = f"redis://127.0.0.1:{free_port()}/0"  # nothing publishes: only the test frees the disk
    first = hookd_process_factory(start=False, redis_url=away, **SPOOL)
    first.env["HOOKD_STATE_DIR"], first.state_dir = str(state), state
    first.start()
    first.send_stop("before")
    assert first.stop(signal.SIGTERM) == 0
    filler = fill(tmp_path / "fs")

    daemon = hookd_process_factory(start=False, redis_url=away, **SPOOL)
    daemon.env["HOOKD_STATE_DIR"], daemon.state_dir = str(state), state
    daemon.start()
    for n in range(REFUSED):
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"full{n}"}).encode()
        done = daemon.send(body, "Stop", HOOKD_SEND_TIMEOUT_MS="5000")
        assert (done.returncode, done.stdout) == (0, b""), done.stderr

    records = log_records(daemon.log_text())
    assert not [r for r in records if r.get("event") == "event_failed_internally"], daemon.log_text()
    assert "Traceback" not in daemon.log_text()
    refused = [r for r in records if r.get("event") == "event_rejected"]
    assert refused and {r["reason"] for r in refused} == {"disk_full"}, refused
    detail = refused[0]["detail"]
    assert str(state / "sequence") in detail and "free space" in detail and "state_dir" in detail, detail
    _, said = status(daemon)
    assert said["spool"]["disk_full"] is True, said["spool"]
    assert said["counters"]["rejected"].get("disk_full", 0) >= REFUSED, said["counters"]
    assert not said["counters"]["rejected"].get("unavailable"), said["counters"]

    # Room again: status stops saying disk full, and an event is numbered and taken.
    filler.unlink()
    wait_until(lambda: status(daemon)[1]["spool"]["disk_full"] is False, what="disk full cleared")
    accepted = status(daemon)[1]["counters"]["accepted"]
    daemon.send_stop("after")
    assert status(daemon)[1]["counters"]["accepted"] > accepted
