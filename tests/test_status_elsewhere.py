"""`hookd status` from a shell whose XDG_RUNTIME_DIR differs from the daemon's (h152): the daemon,
started without one, listens in state_dir/run; a terminal with one looked in $XDG_RUNTIME_DIR/hookd,
said "not running" (exit 2) and advised `hookd run`, which then failed on the state directory's lock."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import REPO, Hookd


def _status(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hookd", "status", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_status_names_the_daemon_that_holds_the_state_dir_and_where_it_answers(redis_server, redis_db):
    base = Path(tempfile.mkdtemp(prefix="h152-", dir="/tmp"))  # short: a socket path has ~100 bytes
    daemon = Hookd(base, redis_server.url)
    for name in ("HOOKD_SOCKET", "XDG_RUNTIME_DIR"):
        daemon.env.pop(name, None)
    daemon.socket = daemon.state_dir / "run" / "hookd.sock"  # the default without XDG_RUNTIME_DIR
    runtime = base / "xdg"
    runtime.mkdir(mode=0o700)
    try:
        daemon.start()
        shell = {**daemon.env, "XDG_RUNTIME_DIR": str(runtime)}
        result = _status(shell)
        assert result.returncode == 3, result  # could not tell, not "not running"
        text = " ".join(result.stdout.split())
        assert f"a hookd (pid {daemon.proc.pid}) holds the state directory {daemon.state_dir}" in text, text
        assert f"nothing answers on {runtime}/hookd/control.sock" in text, text
        assert f"it answers on {daemon.state_dir}/run/control.sock" in text, text
        assert "XDG_RUNTIME_DIR" in text and "not running" not in text, text
        asked = _status(shell, "--socket", str(daemon.socket))  # the command the message gives
        assert asked.returncode in (0, 1) and f"pid {daemon.proc.pid}" in asked.stdout, asked
        daemon.stop()
        stopped = _status(shell)  # nobody holds the lock now: not running, as before
        assert stopped.returncode == 2 and "not running" in stopped.stdout, stopped
    finally:
        daemon.kill()
        shutil.rmtree(base, ignore_errors=True)


def test_status_without_the_daemons_socket_still_says_it_is_held(redis_server, redis_db):
    # A daemon on a socket of its own (HOOKD_SOCKET), asked from a shell without that setting: no
    # default place answers, and the message still says what holds the state directory and why.
    base = Path(tempfile.mkdtemp(prefix="h152-", dir="/tmp"))
    daemon = Hookd(base, redis_server.url)
    try:
        daemon.start()
        shell = {k: v for k, v in daemon.env.items() if k != "HOOKD_SOCKET"}
        shell["XDG_RUNTIME_DIR"] = str(base)
        result = _status(shell, "--json")
        assert result.returncode == 3, result
        text = result.stdout
        assert f"holds the state directory {daemon.state_dir}" in text and "HOOKD_SOCKET" in text, text
        assert '"answers_on": null' in text and f'"pid": {daemon.proc.pid}' in text, text
        assert os.path.exists(daemon.socket)
    finally:
        daemon.kill()
        shutil.rmtree(daemon.socket.parent, ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)
