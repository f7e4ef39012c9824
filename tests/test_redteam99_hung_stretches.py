"""Ninety-ninth red-team pass: the checksum of a record past damage, read on a disk that hung.

Passing over damage, the reader checks each candidate record's checksum; one longer than
stretches.DIRECT (or running past the bytes held) has it worked out from the file (stretches.py,
``FileStretches``), whose reads were made on the event loop while every other read of the publisher's
was made off it. An in-process ``Spool`` on a faultfs mount (tests/faultfs.py): the segment's bytes are
held once the first batch is read, so the one read the pass over the damage makes is the marks' read
for the long record after it, which the mount then holds until the test lets it go.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import wait_until
from faultfs import FaultFS
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, send, status  # noqa: F401 (a fixture)
from test_redteam43_spool_damage import spool_a_run
from test_redteam64_hung_spool import hung_daemon  # noqa: F401 (a fixture)
from test_spool import event

from hookd.spool import Spool
from hookd.spool.deferred import ReadDeferred
from hookd.spool.records import HEADER, READ_CHUNK, SegmentReader, encode_record
from hookd.spool.stretches import DIRECT

SAFETY_S = 30.0  # the hung read let go by a timer after this: only a loop held by it waits that long


def damaged_spool(tmp_path: Path, fs: FaultFS) -> tuple[Path, Path, int]:
    """Events 0 to 7 spooled, event 5's record damaged, event 6's longer than DIRECT: the spool's directory,
    its segment in the backing directory, and where the damage starts."""
    directory = tmp_path / "mnt" / "spool"
    directory.mkdir(mode=0o700)
    spool = Spool(str(directory), segment_bytes=1 << 20, fsync="never")
    for n in range(8):
        spool.append(event(n, size=2 * DIRECT if n == 6 else 200))
    spool.close()
    (segment,) = (tmp_path / "backing" / "spool").glob("*.seg")
    data = bytearray(segment.read_bytes())
    at = 0
    for _ in range(5):
        length, _ = HEADER.unpack_from(data, at)
        at += HEADER.size + length
    data[at + HEADER.size + 50] ^= 0xFF  # in event 5's record: its checksum fails
    segment.write_bytes(bytes(data))
    return directory, segment, at


@pytest.mark.process
@NEEDS_FAULTFS[0]
@NEEDS_FAULTFS[1]
def test_a_hung_read_of_a_long_record_past_damage_leaves_the_loop_running(tmp_path: Path) -> None:
    fs = FaultFS(tmp_path / "backing", tmp_path / "mnt")
    fs.mount()
    let_go = threading.Timer(SAFETY_S, fs.set_rules, [[]])
    try:
        directory, segment, damage_at = damaged_spool(tmp_path, fs)
        spool = Spool(str(directory), segment_bytes=1 << 20, fsync="never")  # memory empty: read from the file

        async def run() -> tuple[list[int], tuple[str, float] | None]:
            first = await spool.next_batch(5, 1 << 30)  # the segment's bytes held, events 0 to 4 handed out
            spool.commit(first)
            fs.set_rules([{"op": "read", "path": f"/spool/{segment.name}", "delay_s": 600, "until_cleared": True}])
            let_go.start()
            reading = asyncio.ensure_future(spool.next_batch(100, 1 << 30))  # meets event 5's damage first
            async with asyncio.timeout(SAFETY_S * 2):
                while not any(f["op"] == "read" for f in fs.faults()):
                    await asyncio.sleep(0.05)
            # The loop runs while the read hangs: it, not the safety timer, lets the read go.
            assert let_go.is_alive(), "the loop waited for the hung read until the safety timer let it go"
            said = spool.reading.reading_since
            assert not reading.done()
            fs.set_rules([])
            rest = await reading
            spool.commit(rest)
            return [e.seq for e in first.events + rest.events], said

        handed, said = asyncio.run(run())
        assert said is not None and said[0] == str(directory / segment.name), said
        # The marks' read, from where the damage starts: the first the pass over it made.
        assert [(f["op"], f["offset"]) for f in fs.faults()][0] == ("read", damage_at), fs.faults()
        assert handed == [0, 1, 2, 3, 4, 6, 7]
        assert (spool.reading.lost, spool.pending_events) == (1, 0)
        spool.close()
    finally:
        let_go.cancel()
        fs.unmount()


def _damaged_records(seed: int) -> bytes:
    """Records of lengths around DIRECT and READ_CHUNK, some damaged (a flipped byte, garbage between)."""
    rng = random.Random(seed)
    parts = []
    for n in range(60):
        length = rng.choice([20, 300, DIRECT - 10, DIRECT + 10, 3 * DIRECT, READ_CHUNK // 3, READ_CHUNK + 77])
        record = bytearray(encode_record(b"\x93" + bytes([n]) * (length - 1)))
        if rng.random() < 0.3:
            record[rng.randrange(HEADER.size, len(record))] ^= 0xFF
        parts.append(bytes(record))
        if rng.random() < 0.1:
            parts.append(rng.randbytes(rng.randrange(1, 3000)))
    return b"".join(parts)


@pytest.mark.parametrize("seed", range(4))
def test_a_deferred_pass_over_damage_reads_only_in_its_deferred_reads_and_finds_the_same(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    segment = tmp_path / "seg"
    segment.write_bytes(_damaged_records(seed))
    size = segment.stat().st_size

    def read_all(defer: bool) -> tuple[list[tuple[bytes, int]], int]:
        reader = SegmentReader(str(segment))
        reader.defer = defer
        got: list[tuple[bytes, int]] = []
        while True:
            try:
                got.extend(reader.records(limit=7, end=size))  # a batch at a time, as the publisher reads
                if reader.offset >= size:
                    break
            except ReadDeferred as deferred:
                with deferred_read():
                    deferred.read()
        reader.close()
        return got, reader.skipped_bytes

    reading = threading.local()

    @contextlib.contextmanager
    def deferred_read() -> Iterator[None]:
        reading.now = True
        try:
            yield
        finally:
            reading.now = False

    pread = os.pread

    def checked(fd: int, n: int, at: int) -> bytes:
        assert getattr(reading, "now", False), f"a read of {n} bytes at {at} made outside a deferred read"
        return pread(fd, n, at)

    expected = read_all(defer=False)
    monkeypatch.setattr(os, "pread", checked)
    assert read_all(defer=True) == expected
    assert expected[1] > 0  # damage passed over


@pytest.mark.process
@NEEDS_FAULTFS[0]
@NEEDS_FAULTFS[1]
def test_the_backlog_count_made_again_after_a_failed_start_leaves_status_and_hook_send_served(hung_daemon):  # noqa: F811
    """The start could not read the spool (EIO): its count of the backlog is made again until a read works, by
    the publisher, on the loop; the disk then hangs. Status answers, naming the read that waits and the mount,
    and hook-send's events are taken; once the disk answers, every event reaches Redis once, in order."""
    daemon, fs, redis = hung_daemon(stall_after_s="2")
    spool_a_run(daemon, 3)
    fs.set_rules([{"op": "read", "path": "/spool/*.seg", "errno": "EIO", "count": -1}])
    redis.start()
    daemon.start()
    wait_until(lambda: status(daemon)[1]["spool"]["read_error"], timeout=30, what="the start's read error said")
    fs.set_rules([{"op": "read", "path": "/spool/*.seg", "delay_s": 600, "until_cleared": True}])
    wait_until(lambda: any("delay_s" in f for f in fs.faults()), timeout=30, what="the count's read made again, hung")

    def said() -> list[str]:
        code, doc = status(daemon)
        assert code != 3, doc  # an answer, not "did not answer"
        return [r for r in doc["reasons"] if f"the spool's read of {daemon.state_dir / 'spool'}/" in r]

    (reason,) = wait_until(said, timeout=30, what="the hung count's read in status")
    assert f"its filesystem, mounted at {daemon.state_dir}, does not answer" in reason, reason
    assert send(daemon, 3) == "delivered"  # taken into the spool while the count's read hangs
    fs.set_rules([])
    wait_until(lambda: len(arrived(redis)) >= 4, timeout=60, what="every event once the disk answers")
    assert arrived(redis) == [0, 1, 2, 3]
    wait_until(lambda: status(daemon)[1]["spool"]["events"] == 0, timeout=30, what="nothing waiting")
