"""Ninety-first red-team pass: the count of what a damaged segment lost, read on a disk that hung.

When the reader meets damage (a record that fails its checksum), the events it held are counted lost
from a read of the whole segment (spool/damage.py, ``count_lost``), made on the event loop. An in-process
``Spool`` on a faultfs mount (tests/faultfs.py) whose reads of the segment are answered late once the
reader has its bytes in memory: only the count's read meets the delay.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from faultfs import FaultFS
from faultfs_daemon import NEEDS_FAULTFS
from test_spool import event

from hookd.spool import Spool
from hookd.spool.records import HEADER


@pytest.mark.process
@NEEDS_FAULTFS[0]
@NEEDS_FAULTFS[1]
def test_the_count_of_a_damaged_segment_leaves_the_loop_running(tmp_path: Path) -> None:
    fs = FaultFS(tmp_path / "backing", tmp_path / "mnt")
    fs.mount()
    try:
        directory = tmp_path / "mnt" / "spool"
        directory.mkdir(mode=0o700)
        spool = Spool(str(directory), segment_bytes=64 << 10, fsync="never")
        for n in range(10):
            spool.append(event(n, size=200))
        spool.close()
        (segment,) = (tmp_path / "backing" / "spool").glob("*.seg")
        data = bytearray(segment.read_bytes())
        at = 0
        for _ in range(5):
            length, _ = HEADER.unpack_from(data, at)
            at += HEADER.size + length
        data[at + HEADER.size + 50] ^= 0xFF  # in event 5's record: its checksum fails
        segment.write_bytes(bytes(data))
        spool = Spool(str(directory), segment_bytes=64 << 10, fsync="never")  # memory empty: read from the file

        async def run() -> tuple[list[int], tuple[str, float] | None]:
            first = await spool.next_batch(3, 1 << 30)  # the segment read whole, events 0 to 2 handed out
            spool.commit(first)
            fs.set_rules([{"op": "read", "path": f"/spool/{segment.name}", "delay_s": 2, "count": -1}])
            reading = asyncio.ensure_future(spool.next_batch(100, 1 << 30))  # meets the damage: the count's read
            said = None
            try:
                async with asyncio.timeout(10):
                    while said is None:
                        await asyncio.sleep(0.05)
                        since = spool.reading.reading_since
                        said = since if since is not None and time.monotonic() - since[1] > 0.5 else None
            except TimeoutError:
                pytest.fail("never said: the loop ran again only once the count's hung read had returned")
            # Until the batch comes (once the count's reads have returned: counted before it is committed), the
            # loop runs: no turn of it waits for a read the mount answers 2 s late.
            longest, last = 0.0, time.monotonic()
            while not reading.done():
                await asyncio.sleep(0.05)
                longest, last = max(longest, time.monotonic() - last), time.monotonic()
            assert longest < 1.5, f"a turn of the loop took {longest:.1f}s: a read made on it"
            rest = reading.result()
            spool.commit(rest)
            return [e.seq for e in first.events + rest.events], said

        handed, said = asyncio.run(run())
        assert said is not None and said[0] == str(directory / segment.name), said
        # The count's reads: the segment whole, and after the cursor for the count of what waits.
        assert [(f["op"], f["offset"]) for f in fs.faults()][0] == ("read", 0), fs.faults()
        assert handed == [0, 1, 2, 3, 4, 6, 7, 8, 9]
        assert (spool.reading.lost, spool.pending_events) == (1, 0)
        spool.close()
    finally:
        fs.unmount()
