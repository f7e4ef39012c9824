"""A start cut off while it redacted the spool again must not cost the events it had copied.

At start, when the redaction settings changed, hookd copies the spool's waiting events, redacted,
behind its end batch by batch (daemon/backlog.py), and let each batch's originals go as it went. A
start killed between two batches left the originals not yet copied ahead of the copies of those
before them; the next start published them in that order, and by then the copies' seqs were below
the stream's mark, so Redis skipped them as repeats: the first 256 of 800 events never reached it,
counted as deduplicated, nothing said. A disk too full for the next batch's copies did the same
within the start itself, or stopped it with a traceback at the cursor file. Now the originals are
let go after a `copying` record names where the originals end (the next start copies the rest of them
first, daemon/backlog_record.py), and a disk that cannot take the copies before any original is let go
has the backlog redacted again as it is published (daemon/backlog_publish.py). Real `hookd run`
processes on one state directory (the copying one killed with SIGKILL), a real redis-server, a tmpfs
for the full disk.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from conftest import free_port, log_records, stream_entries, wait_until
from test_disk_full import status

from client.hook_send import make_header

pytestmark = pytest.mark.process

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"
EVENTS = 800  # some 2.3 KiB each as spooled: about 28 segments of 64 KiB
SPOOL = {"spool_segment_bytes": str(64 << 10)}
FULL_EVENTS = 400


def frame(n: int, pad: int = 2000) -> bytes:
    note = f"key {AWS_KEY} here " + "x" * pad
    body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}", "note": note}).encode()
    return make_header(body, hook="Stop")[0] + body


def on(factory, state_dir, **settings: str):
    daemon = factory(start=False, **settings)
    daemon.env["HOOKD_STATE_DIR"] = str(state_dir)
    daemon.state_dir = state_dir
    return daemon


def segments(state_dir) -> list[int]:
    return sorted(int(p.stem) for p in (state_dir / "spool").glob("*.seg"))


def killed_while_copying(factory) -> object:
    """Spool EVENTS unredacted (Redis away, redaction off), then start with redaction on and kill
    that start with SIGKILL once its copies fill three segments (a batch is a segment at most, so
    a few batches in): the state directory."""
    away = factory(redis_url=f"redis://127.0.0.1:{free_port()}/0", redact="false", **SPOOL)
    for n in range(EVENTS):
        assert away.request(frame(n)).startswith(b"OK")
    assert away.stop(signal.SIGTERM) == 0
    originals = segments(away.state_dir)[-1]
    copying = on(factory, away.state_dir, **SPOOL)
    copying.start(wait=False)
    wait_until(
        lambda: len([seg for seg in segments(away.state_dir) if seg > originals]) >= 3,
        interval=0.001,
        what="copies in three segments",
    )
    copying.proc.send_signal(signal.SIGKILL)
    copying.proc.wait()
    # Cut off before the end: the settings of the copying start were never recorded as the spool's.
    recorded = (away.state_dir / "spool-redacted-by").read_text()
    assert recorded == "off\n" or recorded.startswith("copying "), recorded
    return away.state_dir


def sessions(redis_db) -> list[str]:
    return [fields[b"session"].decode() for fields in stream_entries(redis_db)]


def test_a_start_killed_between_batches_of_the_backlog_loses_none_of_it(hookd_process_factory, redis_db):
    state_dir = killed_while_copying(hookd_process_factory)
    again = on(hookd_process_factory, state_dir, **SPOOL).start()
    wait_until(lambda: redis_db.xlen("hookd:events") >= EVENTS, what="every event in the stream")
    time.sleep(0.5)  # a repeat would come within this
    assert sessions(redis_db) == [f"s{n}" for n in range(EVENTS)]
    assert not [e for e in stream_entries(redis_db) if AWS_KEY.encode() in e[b"envelope"]]
    said = [r for r in log_records(again.log_text()) if r.get("event") == "spool_redacted_again"]
    assert len(said) == 1 and said[0]["secrets"] == {"aws_access_key_id": EVENTS}, said
    wait_until(lambda: status(again)[1]["spool"]["events"] == 0, what="nothing left waiting")


def test_nor_when_the_next_start_redacts_nothing(hookd_process_factory, redis_db):
    """The start after the killed one runs with redaction off (the user turned it off again): it
    redacts nothing, and publishes the spool as it is."""
    state_dir = killed_while_copying(hookd_process_factory)
    on(hookd_process_factory, state_dir, redact="false", **SPOOL).start()
    wait_until(lambda: redis_db.xlen("hookd:events") >= EVENTS, what="every event in the stream")
    time.sleep(0.5)
    assert sessions(redis_db) == [f"s{n}" for n in range(EVENTS)]


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)")
@pytest.mark.parametrize("left", [100_000, 150_000])
def test_a_disk_too_full_for_the_copies_publishes_the_backlog_whole_and_redacted(
    hookd_process_factory, redis_db, tmp_path, left
):
    """The state directory on a 2 MiB tmpfs, 400 events spooled, all but ``left`` bytes of the rest
    filled. Before, the copying stopped at a full disk after some batches were let go, and the
    start went on: the first 26 of 400 never reached Redis (100,000 bytes left); or the cursor
    file could not be written after a batch and `hookd run` exited 1 with a traceback (150,000),
    and so did every start after it. Now the backlog is published whole and in order, each event
    redacted by the running settings on its way out, and that is said."""
    mount = tmp_path / "fs"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=700", "tmpfs", str(mount)], check=True)
    try:
        away = on(
            hookd_process_factory,
            mount / "state",
            redis_url=f"redis://127.0.0.1:{free_port()}/0",
            redact="false",
            spool_reserve_bytes="0",
            **SPOOL,
        )
        away.start()
        for n in range(FULL_EVENTS):
            assert away.request(frame(n, pad=1800)).startswith(b"OK")
        assert away.stop(signal.SIGTERM) == 0
        free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
        (mount / "filler").write_bytes(b"\0" * (free - left))
        back = on(hookd_process_factory, mount / "state", spool_reserve_bytes="0", **SPOOL).start()
        wait_until(lambda: redis_db.xlen("hookd:events") >= FULL_EVENTS, what="every event in the stream")
        time.sleep(0.5)
        assert sessions(redis_db) == [f"s{n}" for n in range(FULL_EVENTS)]
        assert not [e for e in stream_entries(redis_db) if AWS_KEY.encode() in e[b"envelope"]]
        said = [r["event"] for r in log_records(back.log_text())]
        assert "spool_backlog_redacted_on_publish" in said, said
        back.stop()
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
