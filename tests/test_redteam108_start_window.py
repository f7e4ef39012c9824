"""Hundred-eighth red-team pass: the start's window before the control socket answered.

`hookd run` bound its control socket in the start, after the daemon's modules were imported (seconds on a
loaded machine) and after the state directory was opened and locked: until then `hookd status` found no
socket and said "not running" (exit 2) while a hookd started; once the lock was held, that a hookd held the
state directory "but was started with another XDG_RUNTIME_DIR, HOOKD_SOCKET or --socket", with a fix that
was wrong. The first test holds the lock's write on a faultfs mount (tests/faultfs.py), the second the import
of the daemon's modules (tests/process_site/sitecustomize.py).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import answers_until_starting, wait_until
from faultfs_daemon import NEEDS_FAULTFS, faulty_daemon, numbered, status  # noqa: F401
from test_redteam64_hung_spool import hung_daemon  # noqa: F401
from test_redteam91_hung_start import leave_event_1
from test_redteam95_hung_start_status import stalled_on_the_mount_then_nothing_lost

pytestmark = [pytest.mark.process]


def needs_faultfs(test):
    for mark in NEEDS_FAULTFS:
        test = mark(test)
    return test


@needs_faultfs
def test_status_while_the_state_directory_lock_hangs_says_the_start_stalled_and_nothing_is_lost(hung_daemon):  # noqa: F811
    daemon, fs, redis = hung_daemon(stall_after_s="0.5")
    leave_event_1(daemon)
    # The pid the lock's file is given, held until the test clears the rules (at most 600 s).
    fs.set_rules([{"op": "write", "path": "/hookd.lock", "delay_s": 600, "count": 1, "until_cleared": True}])
    redis.start()
    daemon.start(wait=False)
    wait_until(lambda: any(f["op"] == "write" for f in fs.faults()), timeout=30, what="the lock's hung write")

    def stalled() -> bool:
        said.append(status(daemon))
        code, document = said[-1]
        # Never "not running" (nor healthy) on the way: the process held the lock all along.
        assert document.get("running") is not False and code != 0, said[-1]
        return document.get("health") == "stalled"

    said: list[tuple[int, dict]] = []
    wait_until(stalled, timeout=60, what="status saying the start stalled")
    code, document = said[-1]
    assert code == 1, document
    assert document["pid"] == daemon.proc.pid, document
    assert document["starting"]["doing"] == "locking the state directory", document
    assert document["starting"]["mount"] == str(daemon.state_dir), document
    # hook-send meanwhile: the event socket is bound but not served (the reason's mount is the state directory's).
    stalled_on_the_mount_then_nothing_lost(daemon, fs, redis, document)


def test_status_while_hookd_run_loads_its_modules_says_starting_and_hook_send_keeps_the_event(
    hookd_process_factory, redis_db, tmp_path
):
    go = tmp_path / "load-the-daemon"
    daemon = hookd_process_factory(start=False)
    daemon.env["HOOKD_TEST_HOLD_DAEMON_IMPORT"] = str(go)
    asking = {k: v for k, v in daemon.env.items() if k != "HOOKD_TEST_HOLD_DAEMON_IMPORT"}
    daemon.start(wait=False)

    def said() -> tuple[int, dict]:
        done = subprocess.run(
            [os.sys.executable, "-m", "hookd", "status", "--json"], env=asking, capture_output=True, timeout=30
        )
        return done.returncode, json.loads(done.stdout)

    # Bound before those modules load (before: only after them, so never while they are held).
    control = daemon.socket.parent / "control.sock"
    wait_until(control.exists, timeout=60, what="the control socket bound while the daemon's modules are held")
    answers = answers_until_starting(said)
    assert all(code != 2 for code, _ in answers), answers  # never "not running" from the bind on
    code, document = answers[-1]
    assert code == 3 and document["pid"] == daemon.proc.pid, document
    assert document["starting"]["doing"] == "loading the daemon's modules and checking the installed hooks", document
    assert f"hookd (pid {daemon.proc.pid}) is starting" in document["error"], document

    # No event socket yet: hook-send keeps the event in the inbox at once, not after its deadline.
    sent = daemon.send(numbered(1), HOOKD_DEBUG="1")
    told = sent.stderr.decode(errors="replace")
    assert (sent.returncode, sent.stdout) == (0, b"") and "saved to inbox" in told, told

    go.touch()
    wait_until(lambda: redis_db.xlen("hookd:events") == 1, timeout=60, what="the event in Redis")
    code, document = said()
    assert document["running"] is True and "starting" not in document, document
