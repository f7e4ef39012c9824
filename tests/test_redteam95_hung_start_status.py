"""Ninety-fifth red-team pass: `hookd status` during a start whose calls on the state directory hang.

The state directory is a faultfs mount (tests/faultfs.py). The start reads the spool's segments (its recovery)
on the event loop before the loop serves the control socket: status, bound but unserved, said only "did not
answer".
"""

from __future__ import annotations

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, numbered, status  # noqa: F401
from test_redteam64_hung_spool import hung_daemon  # noqa: F401
from test_redteam91_hung_start import leave_event_1

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]


def test_status_during_a_hung_start_says_stalled_naming_the_mount_and_nothing_is_lost(hung_daemon):  # noqa: F811
    daemon, fs, redis = hung_daemon(stall_after_s="0.5")
    leave_event_1(daemon)
    # Held until the test clears the rules (at most 600 s): what it asks during the hang never races its end.
    fs.set_rules([{"op": "read", "path": "/spool/*.seg", "delay_s": 600, "count": 1, "until_cleared": True}])
    redis.start()
    daemon.start(wait=False)
    wait_until(lambda: any(f["op"] == "read" for f in fs.faults()), timeout=30, what="the start's hung read")

    said = []
    wait_until(
        lambda: said.append(status(daemon)) or said[-1][1].get("health") == "stalled",
        timeout=60,
        what="status saying the start stalled",
    )
    code, document = said[-1]
    assert code == 1, document  # stalled, as docs/reliability.md has it
    assert document["starting"]["path"] == str(daemon.state_dir / "spool"), document
    assert document["starting"]["mount"] == str(daemon.state_dir), document
    assert document["starting"]["thread"]["state"] != "R", document  # waiting in the kernel, not on the CPU
    stalled_on_the_mount_then_nothing_lost(daemon, fs, redis, document)


def stalled_on_the_mount_then_nothing_lost(daemon, fs, redis, document: dict) -> None:
    """``document`` (a status during the hung start, event 1 left to it) has its one reason name the mount;
    event 2, sent meanwhile, and event 1 reach Redis once the mount answers (``fs``'s rules cleared)."""
    (reason,) = document["reasons"]
    assert f"mounted at {daemon.state_dir}" in reason and "the start has made no progress" in reason, reason
    # Sent meanwhile: nothing serves the event socket yet, so hook-send keeps it in the inbox; or, on a loaded
    # machine, its deadline came after the socket's backlog took the whole frame, which the daemon reads once
    # the start ends (hook-send then writes no copy, which would be a duplicate). Either way it reaches Redis below.
    sent = daemon.send(numbered(2), HOOKD_SEND_TIMEOUT_MS="1000", HOOKD_DEBUG="1")
    said = sent.stderr.decode(errors="replace")
    assert (sent.returncode, sent.stdout) == (0, b""), said
    assert "saved to inbox" in said or "after hookd was handed all of it" in said, said

    # The mount answers: the start ends, the control server takes the socket over, and both reach Redis once.
    fs.set_rules([])
    wait_until(lambda: len(arrived(redis)) >= 2, timeout=30, what="events 1 and 2 in Redis")
    code, document = status(daemon)
    assert document["running"] is True and "starting" not in document, document
    assert sorted(arrived(redis)) == [1, 2]
