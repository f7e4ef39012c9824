"""Red team: hook-send (both clients) given stdin and environments no hook would give it."""

from __future__ import annotations

import os
import subprocess

import pytest


@pytest.mark.parametrize("source", ["/dev/zero", "/dev/urandom"])
def test_an_endless_stdin_that_never_blocks_still_ends_at_the_deadline(client_cmd, source, tmp_path):
    """The deadline holds for the whole run, reading stdin included: one read() to EOF of a
    source that never ends nor blocks kept the Python client's SIGALRM handler from running,
    and it read until memory ran out."""
    env = {
        "HOME": str(tmp_path),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOOKD_SOCKET": str(tmp_path / "no-daemon.sock"),
        "HOOKD_SEND_TIMEOUT_MS": "50",
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
    }
    with open(source, "rb") as stdin:
        done = subprocess.run([*client_cmd, "PreToolUse"], stdin=stdin, capture_output=True, env=env, timeout=30)
    assert done.returncode == 0 and done.stdout == b""
