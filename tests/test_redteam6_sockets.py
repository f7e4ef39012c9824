"""Red team, sixth pass: hookd's socket files removed while it runs are bound again.

The fifth pass made `hookd status` say stalled when the event socket's file was removed
(tmpfiles cleaning /tmp, a logout emptying XDG_RUNTIME_DIR, an rm) and left the rebinding to
a restart, which only a service manager's watchdog does: run by hand, hookd stayed
unreachable for good, every hook-send writing its event to the inbox, and with the control
socket gone `hookd status` said hookd was not running at all. Now a removed socket file
(and its directory, if that went too) is bound again within about a second, logged as
``socket_rebound``, and served; the drain then removes the new file as it did the old.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import log_records, wait_for_entries, wait_until

pytestmark = pytest.mark.process


def status(daemon) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    return done.returncode, json.loads(done.stdout) if done.stdout else {}


@pytest.mark.parametrize("removed", ["event_socket", "control_socket", "directory"])
def test_a_removed_socket_is_bound_again(hookd_process_factory, redis_db, removed):
    daemon = hookd_process_factory()
    control = daemon.socket.parent / "control.sock"
    if removed == "event_socket":
        os.unlink(daemon.socket)
    elif removed == "control_socket":
        os.unlink(control)
    else:
        shutil.rmtree(daemon.socket.parent)
    time.sleep(0.2)
    wait_until(lambda: status(daemon)[0] == 0, timeout=60, what="hookd to be healthy again")
    assert daemon.socket.exists() and control.exists()
    assert oct(daemon.socket.parent.stat().st_mode & 0o777) == "0o700"
    assert oct(daemon.socket.stat().st_mode & 0o777) == "0o600"
    body = json.dumps({"hook_event_name": "Stop", "session_id": "after"}).encode()
    done = daemon.send(body)
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    assert daemon.inbox() == [], "hook-send could not reach hookd: the event went to the inbox"
    wait_for_entries(redis_db, 1)
    assert daemon.stop() == 0
    assert not daemon.socket.exists() and not control.exists(), "the stop left a socket file behind"
    rebound = [r["socket"] for r in log_records(daemon.log_text()) if r["event"] == "socket_rebound"]
    expected = {
        "event_socket": [str(daemon.socket)],
        "control_socket": [str(control)],
        "directory": [str(daemon.socket), str(control)],
    }[removed]
    assert sorted(rebound) == sorted(expected), rebound
