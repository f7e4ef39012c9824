"""Fifth red-team pass: socket activation whose variables promise descriptors that are not there.

``LISTEN_FDS`` says how many descriptors from 3 on the service manager passed.
With a count larger than what was open (a hand-written unit, a wrapper that
closed them), `hookd run` died with an OSError traceback from
``os.set_inheritable``, and with a huge count (10^12) with a MemoryError
traceback from making the list of them; now it stops with one line naming the variable, the
descriptor and the fix, as for every other activation problem (exit status 1).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO

# `python -c PASS_A_SOCKET DIR PATH`: hookd run with a listening Unix socket bound at PATH (made in
# DIR, 0700) as fd 3, LISTEN_PID its own, as systemd passes it; LISTEN_FDS is the caller's.
PASS_A_SOCKET = (
    "import os, socket, sys\n"
    "os.open('/dev/null', os.O_RDONLY)  # takes 3, so that the socket's dup2 to 3 makes a copy\n"
    "s = socket.socket(socket.AF_UNIX); os.makedirs(sys.argv[1], mode=0o700, exist_ok=True)\n"
    "s.bind(sys.argv[2]); s.listen(8)\n"
    "os.dup2(s.fileno(), 3); os.environ['LISTEN_PID'] = str(os.getpid())\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'hookd', 'run'])\n"
)


@pytest.mark.parametrize("count", ["1000", str(10**12)])
def test_listen_fds_naming_descriptors_that_are_not_open_is_refused_in_one_line(tmp_path, count):
    (tmp_path / "config.toml").write_text("")
    os.chmod(tmp_path / "config.toml", 0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKD_", "LISTEN_"))}
    env.update(
        HOME=str(tmp_path),
        HOOKD_STATE_DIR=str(tmp_path / "state"),
        HOOKD_SOCKET=str(tmp_path / "run" / "hookd.sock"),
        HOOKD_CONFIG=str(tmp_path / "config.toml"),
        HOOKD_REDIS_URL="redis://127.0.0.1:1/0",
        PYTHONPATH=str(REPO),
        LISTEN_FDS=count,
    )
    # fd 3 is a listening Unix socket at hookd's path; the last ones counted are not open.
    done = subprocess.run(
        [sys.executable, "-c", PASS_A_SOCKET, str(tmp_path / "run"), str(tmp_path / "run" / "hookd.sock")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        close_fds=True,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert f"LISTEN_FDS={count}" in done.stderr and "pass hookd exactly the sockets" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
