"""Ninety-first red-team pass: the look at hookd's sockets on a mount that hung.

Whether each socket hookd bound is still its file (status's `socket_problems`, and the watch that binds
a removed one again, daemon/sockets.py) was an lstat of its path on the event loop. Here the event
socket's directory becomes a faultfs mount (tests/faultfs.py) whose lookups of the socket's name hang;
the control socket is elsewhere, so that status can be asked.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import wait_until
from faultfs import FaultFS
from faultfs_daemon import NEEDS_FAULTFS, arrived, numbered, outcome, status
from test_redteam80_hung_read import lines, send

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]


@pytest.fixture
def socket_hung(hookd_process_factory, redis_db, tmp_path):
    """A daemon that has delivered event 1, its event socket's directory then a faultfs mount whose lookups
    of the socket's name are answered 600 s late, once the daemon's look has reached one."""
    control = Path(f"/tmp/hookd-test-ctl-{os.getpid()}-{id(tmp_path):x}") / "control.sock"
    daemon = hookd_process_factory(control_socket=str(control), stall_after_s="2", drain_timeout_s="2")
    assert send(daemon, 1) == "delivered"
    fs = FaultFS(tmp_path / "sockets-backing", daemon.socket.parent, over_files=True)
    try:
        fs.mount()
        fs.set_rules([{"op": "getattr", "path": "/hookd.sock", "delay_s": 600, "count": -1}])
        wait_until(lambda: fs.faults(), timeout=20, what="the look at the socket, hung")
        yield daemon, fs, redis_db
    finally:
        daemon.proc.kill()
        if fs.proc is not None:
            fs.proc.kill()
        subprocess.run(["umount", "-l", str(fs.mountpoint)], check=False, capture_output=True)
        fs.unmount()
        daemon.proc.wait(30)
        shutil.rmtree(control.parent, ignore_errors=True)


def test_status_answers_stalled_naming_the_socket_s_mount_and_sigterm_ends_the_drain(socket_hung):
    daemon, fs, redis = socket_hung

    def reasons() -> list[str]:
        code, said = status(daemon)
        assert code != 3, said  # an answer, not "cannot tell"
        found = [reason for reason in said["reasons"] if f"the check of the socket {daemon.socket}" in reason]
        assert not found or (code, said["health"]) == (1, "stalled"), said
        return found

    wait_until(reasons, timeout=20, what="the hung look a stall in status")
    (text,) = reasons()
    assert f"mounted at {daemon.socket.parent}, does not answer" in text, text
    # The daemon serves on meanwhile: an event hook-send kept in the inbox (its socket elsewhere) is taken.
    kept = daemon.send(numbered(2), HOOKD_SOCKET=str(daemon.state_dir / "none.sock"), HOOKD_DEBUG="1")
    assert outcome(kept) == "kept"
    wait_until(lambda: arrived(redis) == [1, 2], timeout=20, what="event 2 in Redis")

    # The stop: its removal of the socket's file waits on that mount too, and is left to its thread.
    daemon.proc.send_signal(signal.SIGTERM)
    wait_until(
        lambda: lines(daemon, "hookd_stopped") or lines(daemon, "hookd_stop_overran"), timeout=15, what="the stop"
    )
    assert not lines(daemon, "hookd_stop_overran")
    (stopped,) = lines(daemon, "hookd_stopped")
    assert stopped["took_s"] <= 2 + 0.4, stopped
    (left,) = lines(daemon, "socket_removal_left_hung")
    assert left["socket"] == str(daemon.socket) and f"mounted at {daemon.socket.parent}" in left["hint"], left
    (look,) = lines(daemon, "socket_look_left_hung")  # the look thread, held there, is left to the mount too
    assert look["socket"] == str(daemon.socket) and f"mounted at {daemon.socket.parent}" in look["hint"], look
    assert arrived(redis) == [1, 2]
