"""Hundred-eleventh red-team pass: `hookd status` while `hookd run` checks its settings.

The first control socket (daemon/first_socket.py) was bound after the settings' check, which imports the
parts' code (Redis's client, hookd.publish.topology): 0.5 to 1.5 s of the 1.8 to 3.7 s from the spawn to
the bind at load 13, in which status said "not running". `hookd run` now binds after the settings are read
(each value checked on its own) and before the parts' checks, and status says `starting`, "checking the
settings", through them; a setting they refuse ends the start as before, its socket removed.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import answers_until_starting, wait_until

pytestmark = pytest.mark.process


def _status(env: dict[str, str]) -> tuple[int, dict]:
    done = subprocess.run(
        [os.sys.executable, "-m", "hookd", "status", "--json"], env=env, capture_output=True, timeout=30
    )
    return done.returncode, json.loads(done.stdout)


def test_status_while_hookd_run_checks_its_settings_says_starting(hookd_process_factory, redis_db, tmp_path):
    go = tmp_path / "check-the-settings"
    daemon = hookd_process_factory(start=False)
    daemon.env |= {"HOOKD_TEST_HOLD_DAEMON_IMPORT": str(go), "HOOKD_TEST_HOLD_MODULE": "hookd.publish.topology"}
    asking = {k: v for k, v in daemon.env.items() if not k.startswith("HOOKD_TEST_HOLD")}
    daemon.start(wait=False)
    control = daemon.socket.parent / "control.sock"
    # Before: the socket was bound only after the check, so never while it is held.
    wait_until(control.exists, timeout=60, what="the control socket bound while the settings' check is held")
    answers = answers_until_starting(lambda: _status(asking))
    assert all(code != 2 for code, _ in answers), answers  # never "not running" from the bind on
    code, document = answers[-1]
    assert code == 3 and document["pid"] == daemon.proc.pid, document
    assert document["starting"]["doing"] == "checking the settings", document
    go.touch()
    wait_until(lambda: _status(asking)[1].get("running") is True, timeout=90, what="hookd serving once checked")


def test_a_setting_the_check_refuses_ends_the_start_and_removes_the_socket(hookd_process_factory, tmp_path):
    daemon = hookd_process_factory(start=False, redis_password_file=str(tmp_path / "absent"))  # access.py's check
    control = daemon.socket.parent / "control.sock"
    done = subprocess.run([os.sys.executable, "-m", "hookd", "run"], env=daemon.env, capture_output=True, timeout=120)
    assert done.returncode == 78, done  # exits.CONFIG, as before
    said = done.stderr.decode()
    assert f"HOOKD_REDIS_PASSWORD_FILE from the environment: cannot read redis_password_file {tmp_path}" in said, said
    assert not control.exists() and not daemon.socket.exists()
    assert _status(daemon.env)[0] == 2  # not running
