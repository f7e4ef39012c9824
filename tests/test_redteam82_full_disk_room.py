"""Eighty-second red-team pass: the cursor keeper's deletions on a full disk (cursor_keeper._free_published).

The seventy-fifth pass moved making room at spool_max_bytes and the keeper's deletion of published
segments to the spool's write thread, and kept published segments while the start's late hand-off ids
are still to be looked for in them (Cursor.held). The keeper's other deletion, of every segment Redis
has once the filesystem is full, still unlinked on the event loop and did not look at the hold.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from faultfs import FaultFS
from faultfs_daemon import NEEDS_FAULTFS
from test_spool import event

from hookd.spool import Spool
from hookd.spool.cursor_keeper import _free_published


def _published_spool(directory: Path) -> Spool:
    """A spool of several segments, every event in it committed (Redis has them)."""
    spool = Spool(str(directory), segment_bytes=64 << 10, fsync="never", retain_published_s=0)
    for n in range(1000):
        spool.append(event(n))

    async def commit_all() -> None:
        while spool.has_unread():
            spool.commit(await spool.next_batch(1000, 1 << 30))

    asyncio.run(commit_all())
    spool.note_disk_full()
    return spool


def segments(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.seg"))


@pytest.mark.process
@NEEDS_FAULTFS[0]
@NEEDS_FAULTFS[1]
def test_a_full_disks_hung_deletion_leaves_the_loop_running(tmp_path):
    """A segment's deletion that the mount answers late holds the spool's write thread, not the loop."""
    fs = FaultFS(tmp_path / "backing", tmp_path / "mnt")
    fs.mount()
    try:
        (tmp_path / "mnt" / "spool").mkdir(mode=0o700)
        spool = _published_spool(tmp_path / "mnt" / "spool")
        first = segments(tmp_path / "backing" / "spool")[0]

        async def run() -> tuple[bool, int]:
            fs.set_rules([{"op": "unlink", "path": "/spool/*.seg", "delay_s": 6, "count": 1}])
            freeing = asyncio.create_task(_free_published(spool))
            while not any(f["op"] == "unlink" for f in fs.faults()):
                await asyncio.sleep(0.05)
            ticks = 0
            for _ in range(20):  # the loop runs on while the deletion waits on the mount
                await asyncio.sleep(0.05)
                ticks += 1
            still_there = first.exists()
            await freeing
            return still_there, ticks

        still_there, ticks = asyncio.run(run())
        assert still_there, "the loop ran again only once the hung deletion had returned"
        assert ticks == 20
        left = segments(tmp_path / "backing" / "spool")
        assert len(left) == 1 and spool.disk_bytes == left[0].stat().st_size, (left, spool.disk_bytes)
        spool.close()
    finally:
        fs.unmount()


def test_a_full_disk_keeps_the_segments_the_late_hand_off_ids_are_looked_for_in(tmp_path):
    """While held (the start still reads its late hand-off ids), a full disk deletes no published segment:
    an inbox copy of an event in one would be published a second time. Let go, they are deleted."""
    directory = tmp_path / "spool"
    directory.mkdir(mode=0o700)
    spool = _published_spool(directory)
    before = segments(directory)
    assert len(before) > 2, before
    spool.hold_published(True)
    asyncio.run(_free_published(spool))
    assert segments(directory) == before
    assert spool.disk_bytes == sum(p.stat().st_size for p in before)
    spool.hold_published(False)
    asyncio.run(_free_published(spool))
    left = segments(directory)
    assert len(left) == 1 and spool.disk_bytes == left[0].stat().st_size, (left, spool.disk_bytes)
    spool.close()
