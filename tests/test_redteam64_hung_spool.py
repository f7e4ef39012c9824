"""Sixty-fourth red-team pass: the spool's disk stops answering.

The state directory is a faultfs mount (tests/faultfs.py) whose writes and fsyncs under the spool
are answered late once the rule is set: a disk, or a network mount, that hung. The spool's append
runs on the event loop, so the loop's own thread waits in it: hook-send gives up at its deadline and
keeps its event in the inbox, and the `stalls` task, which runs on the loop, never says the stall.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, numbered, outcome  # noqa: F401

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]


def hang(delay_s: float) -> list[dict]:
    return [{"op": op, "path": "/spool/*.seg", "delay_s": delay_s, "count": 1} for op in ("write", "fsync")]


def send(daemon, n: int) -> str:
    return outcome(daemon.send(numbered(n), HOOKD_SEND_TIMEOUT_MS="1000", HOOKD_DEBUG="1"))


@pytest.fixture
def hung_daemon(faulty_daemon):  # noqa: F811
    """faulty_daemon's, ended at the test's end by ending its filesystem first: a hookd killed while the
    kernel holds its FUSE write waits for the filesystem, which the fixture would unmount only after."""
    made = []

    def make(**settings):
        made.append(faulty_daemon(**settings))
        return made[-1]

    yield make
    for daemon, fs, _ in made:
        daemon.proc.kill()
        fs.proc.kill()
        # Its filesystem gone, the mount is no longer found as one (ENOTCONN): unmounted here.
        subprocess.run(["umount", "-l", str(fs.mountpoint)], check=False, capture_output=True)
        fs.unmount()
        daemon.proc.wait(30)


def stalled_lines(daemon) -> list[dict]:
    lines = [json.loads(line) for line in daemon.log_text().splitlines() if line.startswith("{")]
    return [line for line in lines if line["event"] == "hookd_stalled"]


def hung_after_one(hung_daemon, delay_s: float):
    """A daemon that has delivered event 1, its spool's writes and fsyncs then answered ``delay_s`` late."""
    daemon, fs, redis = hung_daemon(stall_after_s="2")
    redis.start()
    daemon.start()
    assert send(daemon, 1) == "delivered"
    wait_until(lambda: arrived(redis) == [1], timeout=20, what="event 1 in Redis")
    fs.set_rules(hang(delay_s))
    return daemon, fs, redis


def test_a_hung_spool_write_is_said_in_the_log_naming_the_spool_and_its_mount(hung_daemon):
    daemon, fs, redis = hung_after_one(hung_daemon, 600)
    assert send(daemon, 2) == "kept"  # the loop waits in the spool's write: hook-send keeps it in the inbox
    wait_until(lambda: any(f["op"] == "write" for f in fs.faults()), timeout=60, what="the hung write")
    wait_until(lambda: stalled_lines(daemon), timeout=20, what="hookd_stalled in the log")
    (said,) = stalled_lines(daemon)
    # Said by the stalls task since the append is off the loop (the sixty-fifth pass), with every reason then.
    (why,) = [why for why in said["reasons"] if str(daemon.state_dir / "spool") in why and "mounted at" in why]
    assert f"mounted at {daemon.state_dir}" in why, why
    status = subprocess.run([sys.executable, "-m", "hookd", "status"], env=daemon.env, capture_output=True, timeout=30)
    assert status.returncode != 0, status.stdout  # never healthy while the event waits


def test_events_kept_while_the_spool_hung_reach_redis_once_when_it_answers(hung_daemon):
    daemon, fs, redis = hung_after_one(hung_daemon, 6)
    outcomes = [send(daemon, n) for n in (2, 3, 4)]
    assert outcomes[0] == "kept", outcomes
    wait_until(lambda: sorted(arrived(redis)) == [1, 2, 3, 4], timeout=60, what="every event in Redis")
    wait_until(lambda: "hookd_stall_over" in daemon.log_text(), timeout=20, what="hookd_stall_over")
    assert len(stalled_lines(daemon)) == 1
    assert sorted(arrived(redis)) == [1, 2, 3, 4]  # once each, after the inbox's sweep took the kept ones
