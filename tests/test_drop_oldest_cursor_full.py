"""spool_full_policy = "drop_oldest" on a full disk: making room writes the cursor file before it deletes
the oldest segment (the cursor file must never name a deleted segment). When that write fails, the event
is refused as `disk_full` (hook-send keeps it) and nothing is dropped. The cursor in memory had already
been moved past the segment it could not drop: its events, still on the disk, were neither counted as
dropped nor committed, and the next drop skipped them. A real Spool and Pipeline on a real tmpfs (root).
"""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from pipeline_replies import take as take_all
from test_disk_full import fill, mounts  # noqa: F401 (mounts: the fixture)

from hookd.envelope import EnvelopeBuilder
from hookd.ingest.protocol import Header
from hookd.pipeline import Pipeline
from hookd.sequence import SequenceAllocator
from hookd.spool import Spool
from hookd.spool.flusher import Flusher
from hookd.state import DaemonState

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)")


def _body(n: int) -> bytes:
    return json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}", "pad": "x" * 4000}).encode()


def _segments(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".seg"))


def _waiting(spool: Spool) -> list[str]:
    spool.rewind()
    return [event.session for event in spool.read_batch(10_000, 1 << 30).events]


def test_a_drop_whose_cursor_cannot_be_written_refuses_the_event_and_drops_nothing(tmp_path, mounts):
    fs = tmp_path / "fs"
    mounts(fs, "2m")
    spool = Spool(str(fs / "spool"), 64 << 10, "never", max_bytes=256 << 10, full_policy="drop_oldest", reserve_bytes=0)
    state = DaemonState()
    pipeline = Pipeline(
        EnvelopeBuilder("h", SequenceAllocator(str(fs / "seq"))), spool, Flusher(spool, "never", 60), state
    )

    async def take(n: int) -> bytes:
        (reply,), _ = await take_all(pipeline, [(Header(), _body(n))])
        return reply

    async def go() -> None:
        assert (await take(0)).startswith(b"OK")
        n, size = 1, spool.disk_bytes  # each event's record: the same size
        while spool.disk_bytes + size <= spool.max_bytes:  # up to the bound, Redis away
            assert (await take(n)).startswith(b"OK"), n
            n += 1
        segments, cursor, waiting = _segments(fs / "spool"), spool.cursor, _waiting(spool)
        assert len(segments) >= 3 and waiting == [f"s{i}" for i in range(n)]
        filler = fill(fs)

        refused = await take(n)  # the oldest segment would go: the cursor file first, which the disk refuses
        assert refused.startswith(b"ERR disk_full ") and f"writing {fs}/spool/cursor".encode() in refused, refused
        assert b"keep the event and resend it" in refused and state.rejected["disk_full"] == 1
        assert spool.disk_full  # status says DISK FULL
        assert spool.dropped == 0 and _segments(fs / "spool") == segments
        assert spool.cursor == cursor and _waiting(spool) == waiting  # nothing skipped, nothing lost

        filler.unlink()
        assert (await take(n)).startswith(b"OK")  # room again: the oldest segment dropped, counted
        left = _waiting(spool)
        assert spool.dropped > 0 and left == [f"s{i}" for i in range(spool.dropped, n + 1)]
        assert segments[0] not in _segments(fs / "spool")
        spool.close()

    asyncio.run(go())
