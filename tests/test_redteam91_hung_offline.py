"""Ninety-first red-team pass: `hookd status` with no daemon running, on a state directory that hung.

The state directory is a faultfs mount (tests/faultfs.py). With nothing answering on the control socket,
status reads the spool and the inbox itself (control/offline.py); on a mount that stopped answering the
command waited with it, and the kernel does not end a process while one of its calls on FUSE waits.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, faulty_daemon, status  # noqa: F401
from test_spool import event

from hookd.spool import Spool

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]

# Longer than status's own wait (offline.WAIT_S) many times over, and short enough to end within the test: a
# call already waiting stays so after the rules are cleared, and the kernel makes a later lookup of the same name
# wait behind one under way, so the mount "answers again" only once the calls made while it hung have ended.
HUNG_S = 8
HUNG = [
    {"op": op, "path": path, "delay_s": HUNG_S, "count": -1}
    for op, path in (("getattr", "/spool"), ("readdir", "/spool"), ("read", "/spool/*"))
]


@pytest.fixture
def stopped_daemon(faulty_daemon):  # noqa: F811
    """A daemon not started (nothing answers on its control socket), its state directory a faultfs mount; at
    the end that filesystem is ended first, as hung_daemon does: a read of it may still wait there."""
    daemon, fs, redis = faulty_daemon()
    yield daemon, fs
    fs.proc.kill()
    subprocess.run(["umount", "-l", str(fs.mountpoint)], check=False, capture_output=True)


def test_offline_status_on_a_hung_mount_answers_within_its_deadline_naming_it(stopped_daemon):
    daemon, fs = stopped_daemon
    spool = Spool(str(daemon.state_dir / "spool"), segment_bytes=64 << 10, fsync="never")
    spool.append(event(1))  # what the last run left
    spool.close()
    fs.set_rules(HUNG)
    code, out, err = _ask(daemon, 10, "on a state directory that does not answer")
    assert fs.faults(), "the mount's delay never fired"
    assert code == 3, (code, out, err)  # what waits cannot be told
    said = json.loads(out)
    assert said["running"] is False
    spool = said["spool"]["error"]
    assert f"cannot read {daemon.state_dir / 'spool'} (waited" in spool, spool
    assert f"mounted at {daemon.state_dir}, does not answer" in spool and "check that mount" in spool, spool

    fs.set_rules([])  # the mount answers again: the same question, the event counted
    wait_until(lambda: status(daemon)[0] == 2, timeout=20 + 3 * HUNG_S, what="status reading the spool again")
    code, said = status(daemon)
    assert code == 2 and said["spool"]["events"] == 1, said


def test_offline_status_does_not_wait_on_the_state_directorys_lock_on_a_hung_mount(stopped_daemon):
    """With nothing answering, status also asks whether a hookd holds the state directory's lock (a daemon
    started with other sockets: console/elsewhere.py). That probe opened the lock file in the command itself,
    and a lookup on the hung mount held `hookd status` until the mount answered."""
    daemon, fs = stopped_daemon
    # Held past the asks' own limit (a loaded machine's Python start included), so that a status
    # that waited on the lookup could not end before the test gives up on it.
    fs.set_rules([{"op": "getattr", "path": "/hookd.lock", "delay_s": 3 * LOCK_ASK_S, "count": -1}])
    code, out, err = _ask(daemon, LOCK_ASK_S, "its lock file's lookup hung")
    assert fs.faults(), "the mount's delay never fired"
    said = json.loads(out)
    assert code == 3 and said["running"] is False, (code, out, err)
    lock = said["lock"]["error"]
    assert f"cannot read {daemon.state_dir / 'hookd.lock'} (waited" in lock and "check that mount" in lock, lock
    text = _ask(daemon, LOCK_ASK_S, "its lock file's lookup hung", "--text")[1]
    assert f"cannot read {daemon.state_dir / 'hookd.lock'}" in text, text


LOCK_ASK_S = 20


def _ask(daemon, timeout_s: float, why: str, form: str = "--json") -> tuple[int, str, str]:
    """`hookd status` (--json, or its text), failing the test if it has not ended within timeout_s."""
    return ask_hookd(daemon.env, ["status", *([form] if form == "--json" else [])], timeout_s, why)


def ask_hookd(env: dict[str, str], argv: list[str], timeout_s: float, why: str) -> tuple[int, str, str]:
    """``hookd ARGV``, failing the test, saying ``why`` it might wait, if it has not ended within timeout_s."""
    asked = subprocess.Popen(
        [os.sys.executable, "-m", "hookd", *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = asked.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hookd {' '.join(argv)} had not ended {timeout_s} s after it was asked, {why}")
    finally:
        if asked.poll() is None:
            asked.kill()  # ends once the fixture's end takes the mount away
    return asked.returncode, out, err
