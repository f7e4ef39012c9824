"""Hundred-eleventh red-team pass: the commands users run, on a state directory whose mount hung.

`hookd status` with nothing answering reads the spool, the inbox and the lock in a child it waits 2 s
for (control/offline.py; tests/test_redteam91_hung_offline.py). Two reads of the state directory were
still made in the command itself, and a lookup on a mount that hung (tests/faultfs.py) held it until
the mount answered: `hookd hooks status` asked who holds the lock when a hook's socket did not accept
(hooks/probe.py), and `hookd status` of a running daemon read hook-send's mark
(hooks/missed.py). Both are now read through hookd/child_read.py, and what did not answer is named.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from faultfs_daemon import NEEDS_FAULTFS, faulty_daemon  # noqa: F401
from test_redteam91_hung_offline import ask_hookd

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]

# Past the command's own limit (a loaded machine's Python start included) many times over, so that a
# command that waited on the lookup cannot end before the test gives up on it.
ASK_S = 20
HELD_S = 3 * ASK_S


@pytest.fixture
def mounted(faulty_daemon):  # noqa: F811
    """A daemon (not started) on a faultfs state directory; at the end that filesystem is ended first,
    as hung_daemon does: a read of it may still wait there."""
    daemon, fs, redis = faulty_daemon()
    yield daemon, fs, redis
    fs.proc.kill()
    subprocess.run(["umount", "-l", str(fs.mountpoint)], check=False, capture_output=True)


def _ask(env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    """``hookd ARGV``, failing the test if it has not ended within ASK_S."""
    return ask_hookd(env, list(argv), ASK_S, "its state directory hung")


def test_hooks_status_does_not_wait_on_the_lock_of_a_hung_state_directory(mounted, tmp_path):
    daemon, fs, _ = mounted
    settings = tmp_path / "settings.json"
    env = {**daemon.env, "HOOKD_HOOK_CLIENT": "python"}
    installed = subprocess.run(
        [os.sys.executable, "-m", "hookd", "hooks", "install", "--settings", str(settings)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert installed.returncode == 0, installed
    # No hookd runs: the hooks' socket refuses, and the probe asks who holds the state directory's lock.
    fs.set_rules([{"op": "getattr", "path": "/hookd.lock", "delay_s": HELD_S, "count": -1}])
    code, out, err = _ask(env, "hooks", "status", "--settings", str(settings), "--json")
    assert fs.faults(), "the mount's delay never fired"
    said = json.loads(out)
    (found,) = [f for f in said["files"] if f.get("path") == str(settings)]
    notes = [route["note"] for route in found["routes"]]
    lock = daemon.state_dir / "hookd.lock"
    assert notes and all(
        f"whether a hookd runs on that state directory cannot be told: cannot read {lock} (waited" in note
        and f"mounted at {daemon.state_dir}, does not answer" in note
        and "check that mount" in note
        for note in notes
    ), (code, notes, err)


def test_status_of_a_running_daemon_does_not_wait_on_hook_sends_mark(mounted):
    daemon, fs, _ = mounted
    daemon.start()
    # The mark hook-send leaves when it missed the socket (hooks/missed.py): status reads it for a
    # running daemon, which itself never looks it up.
    fs.set_rules([{"op": "getattr", "path": "/hook-send-missed", "delay_s": HELD_S, "count": -1}])
    code, out, err = _ask(daemon.env, "status", "--json")
    assert fs.faults(), "the mount's delay never fired"
    said = json.loads(out)
    assert said["running"] is True and code == 1, (code, out, err)
    mark = daemon.state_dir / "hook-send-missed"
    (reason,) = [r for r in said["reasons"] if "hook-send could reach" in r]
    assert f"cannot read {mark} (waited" in reason and "check that mount" in reason, reason
