"""Eighty-eighth red-team pass: under spool_full_policy drop_oldest, the count of what a dropped segment held.

The seventy-fifth pass made room at spool_max_bytes through the spool's write thread; the count of the
events lost with a dropped segment (``files.pending_in``, a read of it when the cursor lies inside it)
was still made on the event loop, between those calls.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from faultfs import FaultFS
from faultfs_daemon import NEEDS_FAULTFS
from test_spool import event

from hookd.policies import FullPolicy
from hookd.spool import Spool


@pytest.mark.process
@NEEDS_FAULTFS[0]
@NEEDS_FAULTFS[1]
def test_a_dropped_segments_hung_count_leaves_the_loop_running(tmp_path: Path) -> None:
    """The cursor inside the oldest segment, the spool full, the next append drops that segment: its
    count's read, answered late by the mount, holds the write thread, not the loop; the count is right."""
    fs = FaultFS(tmp_path / "backing", tmp_path / "mnt")
    fs.mount()
    try:
        directory = tmp_path / "mnt" / "spool"
        directory.mkdir(mode=0o700)
        spool = Spool(
            str(directory),
            segment_bytes=64 << 10,
            fsync="never",
            max_bytes=192 << 10,
            full_policy=FullPolicy.DROP_OLDEST,
        )
        for n in range(40):  # events of ~4 KiB: two segments and part of a third
            spool.append(event(n, size=4000))
        first = sorted((tmp_path / "backing" / "spool").glob("*.seg"))[0].name

        async def run() -> tuple[int, str | None, int, int]:
            spool.commit(await spool.next_batch(5, 1 << 30))  # the cursor inside the first segment
            in_first = spool.pending_events
            fs.set_rules([{"op": "read", "path": f"/spool/{first}", "delay_s": 3, "count": 1}])
            appending = asyncio.gather(*(spool.append_queued([event(n, size=4000)]) for n in range(40, 60)))
            # What status says (parts.stall_reasons) once the count has waited past stall_after_s (0.5 here):
            # asked on the loop, so said only if the loop runs while the mount holds the read.
            said = None
            try:
                async with asyncio.timeout(10):
                    while said is None:
                        await asyncio.sleep(0.05)
                        said = spool.appends.stalled(0.5, time.monotonic())
            except TimeoutError:
                pytest.fail("never said: the loop ran again only once the hung count had returned")
            counted_meanwhile = spool._bound.dropped
            # Redis takes two more meanwhile (in the segment being counted): not lost.
            async with asyncio.timeout(10):
                spool.commit(await spool.next_batch(2, 1 << 30))
            await appending
            left: list[int] = []
            while spool.has_unread():
                batch = await spool.next_batch(100, 1 << 30)
                left += [e.seq for e in batch.events]
                spool.commit(batch)
            assert left == list(range(left[0], 60)), left
            assert spool._bound.dropped == left[0] - 7, (spool._bound.dropped, left[0])
            return counted_meanwhile, said, in_first, spool._bound.dropped

        counted_meanwhile, said, waiting, dropped = asyncio.run(run())
        assert counted_meanwhile == 0, "the loop ran again only once the hung count had returned"
        assert said is not None and f"mounted at {tmp_path / 'mnt'}," in said and str(directory) in said, said
        assert dropped > 0 and dropped < waiting, (dropped, waiting)
        spool.close()
    finally:
        fs.unmount()
