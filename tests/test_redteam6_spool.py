"""Red team, sixth pass: zeros in a spool segment, as a crash leaves them, read as records.

A record is ``<u32 length><u32 crc32><data>``, and the crc32 of no bytes is 0: eight zero bytes
were a valid empty record. A crash after a segment's size grew but before its data reached
the disk (spool_fsync = "interval", the default; delayed allocation) leaves zeros at its end,
and a zeroed block can sit between records too. hookd took each 8 zero bytes for an event it
could not decode: 1 MiB of zeros made 131,072 "events" in `hookd status` that never left,
131,072 `spool_record_undecodable` error lines, and a torn tail that was never cut. hookd
never writes an empty record, so a zero length is now damage like a bad checksum: a run of
zeros at the end is the torn tail (cut, one line), one in the middle is skipped (one line).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from conftest import stream_entries, wait_for_entries, wait_until
from hookd import config as hookd_config
from hookd.control import status
from hookd.spool.records import HEADER

ZEROS = 1 << 20
DOWN = "redis://127.0.0.1:1/0"  # nothing listens: events stay in the spool


def _segment(daemon) -> Path:
    return sorted((daemon.state_dir / "spool").glob("*.seg"))[-1]


def _send(daemon, session: str) -> None:
    body = json.dumps({"hook_event_name": "Stop", "session_id": session}).encode()
    done = daemon.send(body)
    assert done.returncode == 0 and done.stderr == b"", done.stderr


@pytest.mark.parametrize("where", ["tail", "middle"])
def test_zeros_in_a_segment_are_damage_not_events(hookd_process_factory, redis_server, redis_db, where):
    daemon = hookd_process_factory(redis_url=DOWN)
    for i in range(3):
        _send(daemon, f"s{i}")
    assert daemon.stop() == 0
    segment = _segment(daemon)
    data = segment.read_bytes()
    if where == "tail":
        data += bytes(ZEROS)
    else:  # after the first record
        length, _ = HEADER.unpack_from(data, 0)
        first = HEADER.size + length
        data = data[:first] + bytes(ZEROS) + data[first:]
    segment.write_bytes(data)

    daemon.env["HOOKD_REDIS_URL"] = redis_server.url
    daemon.start()
    entries = wait_for_entries(redis_db, 3)
    _send(daemon, "after")
    wait_for_entries(redis_db, 4)

    def spool_empty() -> bool:
        return status.gather(hookd_config.load(environ=daemon.env))[1]["spool"]["events"] == 0

    wait_until(spool_empty, timeout=60, what="the spool to say it holds nothing")
    time.sleep(0.3)
    entries = stream_entries(redis_db)
    sessions = sorted(json.loads(e[b"envelope"])["session_id"] for e in entries)
    assert sessions == ["after", "s0", "s1", "s2"], sessions
    log = daemon.log_text()
    assert log.count("spool_record_undecodable") == 0, log.count("spool_record_undecodable")
    said = "spool_torn_tail_dropped" if where == "tail" else "spool_damage_skipped"
    assert 1 <= log.count(said) <= 2, (said, log[-2000:])
