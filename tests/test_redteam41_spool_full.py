"""Forty-first red-team pass: spool writes and the cursor file on a filesystem that fails (tests/faultfs.py).

A real ``hookd run`` with its state directory on the fault-injecting FUSE mount: a segment write that
runs out of quota in the middle of a record (EDQUOT after a short write), one that finds no space at
all for a while (ENOSPC), and a cursor file whose rename fails. No record may be half believed, every
event acknowledged or kept must reach Redis once, in order, and the failures must be said.
"""

from __future__ import annotations

import json
import os

import pytest
from conftest import RedisServer, wait_until
from faultfs import FaultFS, available

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a FUSE filesystem for hookd needs root (CI runs as root)"),
    pytest.mark.skipif(available() is not None, reason=f"faultfs cannot mount here: {available()}"),
]


def body(n: int) -> bytes:
    return json.dumps({"hook_event_name": "PostToolUse", "session_id": "full", "n": n, "pad": "q" * 500}).encode()


def send(daemon, n: int) -> str:
    result = daemon.send(body(n), HOOKD_DEBUG="1", HOOKD_SEND_TIMEOUT_MS="5000")
    err = result.stderr.decode(errors="replace")
    assert (result.returncode, result.stdout) == (0, b""), err
    for marker, name in (
        ("event delivered", "delivered"),
        ("saved to spare inbox", "kept"),
        ("saved to inbox", "kept"),
    ):
        if marker in err:
            return name
    return "lost" if "event lost" in err else f"unexpected: {err!r}"


def arrived(client) -> list[int]:
    return [json.loads(f[b"envelope"])["payload"]["n"] for _, f in client.xrange("hookd:events")]


@pytest.fixture
def faulty(hookd_process_factory, tmp_path):
    redis = RedisServer(tmp_path / "redis")
    made = []

    def make(**settings):
        daemon = hookd_process_factory(redis_url=redis.url, start=False, **settings)
        fs = FaultFS(tmp_path / "backing", daemon.state_dir)
        fs.mount()
        made.append((daemon, fs))
        return daemon, fs, redis

    yield make
    for daemon, fs in made:
        daemon.kill()
        fs.unmount()
    redis.stop()


@pytest.mark.parametrize("errno_name", ["EDQUOT", "ENOSPC"])
def test_a_segment_write_cut_mid_record_is_never_half_believed(faulty, errno_name):
    daemon, fs, redis = faulty()
    daemon.start()
    sent = {n: send(daemon, n) for n in range(3)}
    # The next records' bytes: some 100 go in, then the quota (or the disk) is gone until the rule is cleared.
    fs.set_rules([{"op": "write", "path": "/spool/*.seg", "after_bytes": 100, "errno": errno_name, "count": -1}])
    for n in range(3, 8):
        sent[n] = send(daemon, n)
    assert fs.faults() and "short" in fs.faults()[0], fs.faults()
    assert "kept" in sent.values() and "lost" not in sent.values(), sent
    assert '"spool_disk_full"' in daemon.log_text() or '"event_rejected"' in daemon.log_text()
    fs.set_rules([])  # space again
    for n in range(8, 11):
        sent[n] = send(daemon, n)
    assert "lost" not in sent.values(), sent
    redis.start()
    client = redis.client()
    wait_until(lambda: len(arrived(client)) >= len(sent), timeout=60, what="every event in Redis")
    wait_until(lambda: not daemon.inbox(), what="the inbox emptied")
    assert arrived(client) == sorted(sent), sent
    assert '"spool_damage_skipped"' not in daemon.log_text()
    daemon.stop()


def test_a_cursor_file_that_cannot_be_renamed_is_said_and_a_restart_publishes_nothing_twice(faulty):
    daemon, fs, redis = faulty()
    redis.start()
    client = redis.client()
    fs.set_rules([{"op": "rename", "path": "/spool/cursor", "count": -1}])
    daemon.start()
    sent = {n: send(daemon, n) for n in range(5)}
    assert set(sent.values()) == {"delivered"}, sent
    wait_until(lambda: len(arrived(client)) >= 5, what="five events in Redis")
    wait_until(lambda: fs.faults(), what="the cursor's rename to fail")
    wait_until(lambda: '"spool_cursor_save_failed"' in daemon.log_text(), what="the failure said")
    daemon.stop()
    fs.set_rules([])
    daemon.start()
    sent[5] = send(daemon, 5)
    wait_until(lambda: len(arrived(client)) >= 6, what="the sixth event in Redis")
    wait_until(lambda: daemon.proc.poll() is None and not daemon.inbox(), what="nothing left")
    assert arrived(client) == list(range(6))
    daemon.stop()
