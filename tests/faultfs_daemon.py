"""A real hookd whose state directory is a faultfs mount (tests/faultfs.py), and what its clients said.

Shared by the forty-first pass's spool tests: the fixture mounts the state directory before the
daemon starts and unmounts it after the daemon is killed (its open files would hold the mount).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import RedisServer
from faultfs import FaultFS, available
from test_disk_full import outcome as disk_full_outcome

NEEDS_FAULTFS = [
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a FUSE filesystem for hookd needs root (CI runs as root)"),
    pytest.mark.skipif(available() is not None, reason=f"faultfs cannot mount here: {available()}"),
]


def outcome(result: subprocess.CompletedProcess) -> str:
    """What hook-send did with the event: delivered, kept (in the inbox or the spare one) or lost
    (test_disk_full.outcome, which also checks it exited 0 with stdout empty)."""
    said = disk_full_outcome(result)
    return "kept" if said in ("inbox", "spare") else said


def numbered(n: int, pad: int = 0) -> bytes:
    """Event ``n`` (``arrived`` reads it back), with ``pad`` bytes of filler."""
    return json.dumps({"hook_event_name": "PostToolUse", "session_id": "faultfs", "n": n, "pad": "p" * pad}).encode()


def send(daemon, n: int, pad: int = 0) -> str:
    """hook-send of event ``n`` (debug on, a deadline a slow mount cannot pass) -> its ``outcome``."""
    return outcome(daemon.send(numbered(n, pad), HOOKD_DEBUG="1", HOOKD_SEND_TIMEOUT_MS="5000"))


def status(daemon) -> tuple[int, dict]:
    """``hookd status --json``: its exit code and document."""
    result = subprocess.run(
        [os.sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    return result.returncode, json.loads(result.stdout)


def arrived(redis: RedisServer) -> list[int]:
    """The ``n`` of each event in the stream, in its order."""
    return [json.loads(f[b"envelope"])["payload"]["n"] for _, f in redis.client().xrange("hookd:events")]


@pytest.fixture
def faulty_daemon(hookd_process_factory, tmp_path):
    """make(**settings): a daemon (not started) whose state directory is a faultfs mount, its FaultFS, and
    a Redis (not started) it publishes to."""
    redis = RedisServer(tmp_path / "redis")
    mounts = []

    def make(**settings):
        daemon = hookd_process_factory(redis_url=redis.url, start=False, **settings)
        fs = FaultFS(tmp_path / "backing", daemon.state_dir)
        fs.mount()
        mounts.append((daemon, fs))
        return daemon, fs, redis

    yield make
    for daemon, fs in mounts:
        daemon.kill()  # before its state directory goes
        fs.unmount()
    redis.stop()
