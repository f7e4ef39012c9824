"""Forty-first red-team pass: hook-send's inbox on a filesystem that fails (tests/faultfs.py).

hookd is not running, so each hook-send keeps its event in the inbox under the state directory, a
faultfs mount: its fsync fails (EIO), its write runs out of quota at a byte (EDQUOT, after a short
write), its rename fails (EIO). Both clients must then keep the event in the spare inbox, or say on
stderr that it is lost when the spare fails too, always exiting 0 with nothing on stdout, and never
leave a file the daemon would take half. Once hookd starts, every kept event reaches Redis once.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import log_records, wait_until
from faultfs import FaultFS, available

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a FUSE filesystem for hookd needs root (CI runs as root)"),
    pytest.mark.skipif(available() is not None, reason=f"faultfs cannot mount here: {available()}"),
]

FAULTS = {
    "fsync_eio": {"op": "fsync", "path": "/*inbox*", "count": -1},
    "write_edquot": {"op": "write", "path": "/*inbox*", "after_bytes": 100, "errno": "EDQUOT", "count": -1},
    "rename_eio": {"op": "rename", "path": "/*inbox*", "count": -1},
}


def body(n: int) -> bytes:
    return json.dumps({"hook_event_name": "PostToolUse", "session_id": "inbox", "n": n, "pad": "p" * 300}).encode()


def files_under(path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()) if path.exists() else []


@pytest.fixture
def stopped_daemon(hookd_process_factory, redis_db, tmp_path):
    daemon = hookd_process_factory(start=False)
    fs = FaultFS(tmp_path / "backing", daemon.state_dir)
    fs.mount()
    yield daemon, fs
    daemon.kill()
    fs.unmount()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_an_inbox_that_fails_keeps_the_event_in_the_spare_or_says_it_is_lost(
    stopped_daemon, client_cmd, redis_db, fault
):
    daemon, fs = stopped_daemon
    fs.set_rules([FAULTS[fault]])
    spare = daemon.base / "spare-inbox"
    env = {**daemon.env, "HOOKD_SEND_TIMEOUT_MS": "5000", "HOOKD_DEBUG": "1"}
    kept = subprocess.run(client_cmd, input=body(1), capture_output=True, timeout=30, env=env)
    assert (kept.returncode, kept.stdout) == (0, b""), kept.stderr
    assert b"saved to spare inbox" in kept.stderr, kept.stderr
    # The spare inbox on the failing mount too: nothing can keep it, and hook-send says so.
    lost_env = {**env, "HOOKD_SPARE_INBOX": str(daemon.state_dir / "spare-inbox"), "HOOKD_DEBUG": ""}
    lost = subprocess.run(client_cmd, input=body(2), capture_output=True, timeout=30, env=lost_env)
    assert (lost.returncode, lost.stdout) == (0, b""), lost.stderr
    assert b"event lost" in lost.stderr, lost.stderr
    assert fs.faults(), "the fault never fired"
    # Nothing left behind on the failing mount, whole or half.
    assert files_under(daemon.state_dir / "inbox") == []
    assert files_under(daemon.state_dir / "spare-inbox") == []
    fs.set_rules([])
    daemon.start()
    wait_until(lambda: redis_db.xlen("hookd:events") >= 1, what="the spare inbox's event in Redis")
    wait_until(lambda: not files_under(spare), what="the spare inbox emptied")
    numbers = [json.loads(f[b"envelope"])["payload"]["n"] for _, f in redis_db.xrange("hookd:events")]
    assert numbers == [1]
    events = {r.get("event") for r in log_records(daemon.log_text())}
    assert not events & {"inbox_file_damaged", "inbox_file_unreadable", "inbox_file_rejected"}, events


def test_short_writes_to_the_inbox_still_keep_the_whole_event(stopped_daemon, client_cmd, redis_db):
    daemon, fs = stopped_daemon
    fs.set_rules([{"op": "write", "path": "/inbox/*", "short": 7, "count": -1}])
    sent = subprocess.run(
        client_cmd, input=body(1), capture_output=True, timeout=30, env={**daemon.env, "HOOKD_DEBUG": "1"}
    )
    assert (sent.returncode, sent.stdout) == (0, b""), sent.stderr
    assert b"saved to inbox" in sent.stderr, sent.stderr
    assert fs.faults(), "no write was cut short"
    fs.set_rules([])
    daemon.start()
    wait_until(lambda: redis_db.xlen("hookd:events") >= 1, what="the inbox's event in Redis")
    [(_, fields)] = redis_db.xrange("hookd:events")
    assert json.loads(fields[b"envelope"])["payload"] == json.loads(body(1))
