"""Hundred-twentieth red-team pass: a command run with its stdout and stderr closed (`>&- 2>&-`, a
cron job, a service manager that gives none).

The child that asks a path's mount (hookd/child_read.py) or reads the spool for an offline status
(control/offline.py) points its fds 0-2 at /dev/null so that it holds no reader of the command's own
output. With fds 1 and 2 closed in the command, os.pipe() hands out 1 and 2 themselves, the child's
dup2 onto 2 closed the pipe's write end, and its answer went to /dev/null: every path "ended without
an answer", and `hooks install` was refused as if the state directory's mount had hung."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.process


def _closed(env: dict[str, str], *argv: str) -> int:
    """``hookd ARGV`` with fds 1 and 2 closed: its exit code."""
    shell = 'exec "$@" >&- 2>&-'
    done = subprocess.run(["sh", "-c", shell, "sh", sys.executable, "-m", "hookd", *argv], env=env, timeout=120)
    return done.returncode


def test_hooks_install_with_its_output_closed_installs(hookd, tmp_path):
    settings = tmp_path / "settings.json"
    env = {**hookd.env, "HOOKD_HOOK_CLIENT": "python"}
    assert _closed(env, "hooks", "install", "--settings", str(settings)) == 0
    assert "hooks" in json.loads(settings.read_text())


def test_status_with_its_output_closed_says_a_healthy_daemon_is(hookd):
    assert _closed(hookd.env, "status") == 0


def test_an_offline_status_with_its_output_closed_reads_the_spool(hookd_factory, tmp_path):
    daemon = hookd_factory()
    env = daemon.env
    daemon.stop()
    out = tmp_path / "status.json"
    shell = 'exec "$@" <&- 2>&- >"$OUT"'
    argv = [sys.executable, "-m", "hookd", "status", "--json"]
    subprocess.run(["sh", "-c", shell, "sh", *argv], env={**env, "OUT": str(out)}, timeout=120)
    said = json.loads(out.read_text())
    assert "error" not in said["spool"], said["spool"]
