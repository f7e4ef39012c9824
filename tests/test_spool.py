"""The spool keeps events in order across restarts, and never returns damage as data."""

from __future__ import annotations

import asyncio
import os
import time

import msgspec
import pytest
from structlog.testing import capture_logs

from hookd.spool.event import Event
from hookd.spool import Spool, SpoolFull
from hookd.spool.cursor_keeper import keep_cursor
from hookd.spool.flusher import Flusher
from hookd.spool.inspect import find_handoffs, oldest_waiting_received_ns, waiting_events
from hookd.spool.records import HEADER, SegmentReader, encode_record


def event(n: int, size: int = 100, host: str = "h") -> Event:
    return Event(
        seq=n,
        host=host,
        event_id=f"id-{n}",
        hook="Stop",
        session="s",
        tool="",
        envelope=b'{"n": %d, "pad": "%s"}' % (n, b"x" * size),
    )


def open_spool(path, segment_bytes: int = 1 << 20, retain_published_s: float = 0) -> Spool:
    return Spool(str(path), segment_bytes=segment_bytes, fsync="interval", retain_published_s=retain_published_s)


def drain(spool: Spool, max_events: int = 1000, commit: bool = True) -> list[int]:
    """Every event the spool hands out, committing each batch, then saving the cursor
    as the daemon's keep_cursor task would."""
    seqs = []
    while spool.has_unread():
        batch = asyncio.run(spool.next_batch(max_events, 1 << 30))
        seqs += [e.seq for e in batch.events]
        if commit:
            spool.commit(batch)
    spool.save_cursor()
    return seqs


def test_events_come_back_in_append_order_across_segments(tmp_path):
    spool = open_spool(tmp_path, segment_bytes=64 * 1024)
    for n in range(2000):
        spool.append(event(n))
    assert len(list(tmp_path.glob("*.seg"))) > 3
    assert drain(spool, max_events=77) == list(range(2000))
    assert spool.pending_events == 0


def test_committed_segments_are_deleted(tmp_path):
    spool = open_spool(tmp_path, segment_bytes=64 * 1024)
    for n in range(2000):
        spool.append(event(n))
    drain(spool)
    assert len(list(tmp_path.glob("*.seg"))) == 1


def test_recently_published_segments_are_kept_for_a_while(tmp_path):
    spool = open_spool(tmp_path, segment_bytes=64 * 1024, retain_published_s=3600)
    for n in range(2000):
        spool.append(event(n))
    drain(spool)
    segments = sorted(tmp_path.glob("*.seg"))
    assert len(segments) > 3
    assert spool.pending_bytes == 0
    old = segments[0].stat().st_mtime - 7200
    os.utime(segments[0], (old, old))
    spool.append(event(2000))
    drain(spool)
    assert not segments[0].exists() and segments[1].exists()


def test_handoff_ids_are_found_in_published_and_pending_records(tmp_path):
    spool = open_spool(tmp_path, segment_bytes=64 * 1024, retain_published_s=3600)
    for n in range(1000):
        spool.append(msgspec.structs.replace(event(n), handoff_id=f"h{n}"))
    batch = asyncio.run(spool.next_batch(500, 1 << 30))
    spool.commit(batch)
    assert find_handoffs(str(tmp_path), {"h3", "h700", "h999", "nope"}) == {
        "h3": "id-3",
        "h700": "id-700",
        "h999": "id-999",
    }
    assert find_handoffs(str(tmp_path), set()) == {}


def test_a_restart_resumes_after_the_last_commit(tmp_path):
    spool = open_spool(tmp_path, segment_bytes=64 * 1024)
    for n in range(1000):
        spool.append(event(n))
    batch = asyncio.run(spool.next_batch(600, 1 << 30))
    spool.commit(batch)
    asyncio.run(spool.next_batch(100, 1 << 30))  # read but never committed
    spool.close()

    reopened = open_spool(tmp_path, segment_bytes=64 * 1024)
    assert reopened.pending_events == 400
    assert drain(reopened) == list(range(600, 1000))


def test_a_commit_reaches_the_cursor_file_only_when_the_cursor_is_saved(tmp_path):
    spool = open_spool(tmp_path, segment_bytes=64 * 1024)
    for n in range(1000):
        spool.append(event(n))
    spool.commit(asyncio.run(spool.next_batch(600, 1 << 30)))
    assert spool.pending_events == 400
    # kill -9 before the save: the next run sends the 600 again (Redis's mark skips them)
    assert open_spool(tmp_path, segment_bytes=64 * 1024).pending_events == 1000
    spool.save_cursor()
    assert open_spool(tmp_path, segment_bytes=64 * 1024).pending_events == 400


def test_a_running_spools_waiting_events_start_at_its_position_not_the_lagging_file(tmp_path):
    spool = open_spool(tmp_path)
    for n in range(10):
        spool.append(msgspec.structs.replace(event(n), received_ns=1000 + n))
    spool.commit(asyncio.run(spool.next_batch(6, 1 << 30)))
    assert [e.seq for e in waiting_events(str(tmp_path))] == list(range(10))  # the file lags
    assert [e.seq for e in waiting_events(str(tmp_path), spool.cursor)] == [6, 7, 8, 9]
    assert oldest_waiting_received_ns(str(tmp_path), spool.cursor) == 1006
    spool.commit(asyncio.run(spool.next_batch(10, 1 << 30)))
    assert oldest_waiting_received_ns(str(tmp_path), spool.cursor) is None


def test_published_segments_stay_until_the_cursor_file_has_passed_them(tmp_path):
    spool = open_spool(tmp_path, segment_bytes=64 * 1024)
    for n in range(2000):
        spool.append(event(n))
    segments = len(list(tmp_path.glob("*.seg")))
    while spool.has_unread():
        spool.commit(asyncio.run(spool.next_batch(1000, 1 << 30)))
    assert len(list(tmp_path.glob("*.seg"))) == segments
    spool.save_cursor()
    assert len(list(tmp_path.glob("*.seg"))) == 1


def test_the_cursor_file_never_goes_back(tmp_path):
    spool = open_spool(tmp_path)
    for n in range(10):
        spool.append(event(n))
    first = asyncio.run(spool.next_batch(4, 1 << 30))
    second = asyncio.run(spool.next_batch(4, 1 << 30))
    spool.commit(first)
    spool.commit(second)
    spool.write_cursor_file(second.end)
    spool.write_cursor_file(first.end)  # a slower save of an older position finishing late
    assert open_spool(tmp_path).pending_events == 2


def test_keep_cursor_saves_each_commit_off_the_event_loop(tmp_path):
    spool = open_spool(tmp_path, segment_bytes=64 * 1024)
    for n in range(2000):
        spool.append(event(n))

    async def saved(pending: int) -> None:
        # Waited for, not timed: a loaded machine delays the keeper's thread by seconds.
        deadline = time.monotonic() + 60
        while open_spool(tmp_path, segment_bytes=64 * 1024).pending_events != pending:
            assert time.monotonic() < deadline, f"the cursor saved with {pending} events waiting"
            await asyncio.sleep(0.01)

    async def publish_and_wait() -> int:
        keeper = asyncio.create_task(keep_cursor(spool, interval_s=0.01))
        spool.commit(await spool.next_batch(1500, 1 << 30))
        await saved(500)
        spool.commit(await spool.next_batch(1000, 1 << 30))
        await saved(0)
        # The passed segments are deleted after the cursor file is written: waited for as well.
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("*.seg"))) != 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        keeper.cancel()
        return len(list(tmp_path.glob("*.seg")))

    assert asyncio.run(publish_and_wait()) == 1
    assert open_spool(tmp_path, segment_bytes=64 * 1024).pending_events == 0


def test_uncommitted_batches_are_handed_out_again_after_rewind(tmp_path):
    spool = open_spool(tmp_path)
    for n in range(10):
        spool.append(event(n))
    first = asyncio.run(spool.next_batch(4, 1 << 30))
    asyncio.run(spool.next_batch(4, 1 << 30))
    spool.commit(first)
    spool.rewind()
    assert drain(spool) == list(range(4, 10))


def test_a_batch_never_mixes_hosts(tmp_path):
    spool = open_spool(tmp_path)
    for n in range(6):
        spool.append(event(n, host="a" if n < 3 else "b"))
    batch = asyncio.run(spool.next_batch(100, 1 << 30))
    assert [e.host for e in batch.events] == ["a", "a", "a"]
    spool.commit(batch)
    assert drain(spool) == [3, 4, 5]


def test_a_batch_respects_the_byte_limit_but_always_holds_one_event(tmp_path):
    spool = open_spool(tmp_path)
    spool.append(event(0, size=5000))
    spool.append(event(1, size=10))
    batch = asyncio.run(spool.next_batch(100, 1024))
    assert [e.seq for e in batch.events] == [0]


def test_records_larger_than_a_read_chunk_come_back_whole(tmp_path):
    spool = open_spool(tmp_path, segment_bytes=64 << 20)
    big = event(1, size=3 << 20)
    spool.append(event(0))
    spool.append(big)
    spool.append(event(2))
    batch = asyncio.run(spool.next_batch(100, 1 << 30))
    assert [e.seq for e in batch.events] == [0, 1, 2]
    assert batch.events[1].envelope == big.envelope


def test_a_torn_tail_is_cut_off_and_counted_at_start(tmp_path):
    spool = open_spool(tmp_path)
    for n in range(5):
        spool.append(event(n))
    spool.close()
    (segment,) = tmp_path.glob("*.seg")
    whole = segment.stat().st_size
    with open(segment, "ab") as fh:
        fh.write(encode_record(b"half a record")[:-5])

    reopened = open_spool(tmp_path)
    assert reopened.torn_bytes == len(encode_record(b"half a record")) - 5
    assert segment.stat().st_size == whole
    reopened.append(event(5))
    assert drain(reopened) == list(range(6))


def test_a_flipped_byte_skips_that_record_only(tmp_path):
    spool = open_spool(tmp_path)
    for n in range(5):
        spool.append(event(n))
    spool.close()
    (segment,) = tmp_path.glob("*.seg")
    record_size = segment.stat().st_size // 5
    data = bytearray(segment.read_bytes())
    data[2 * record_size + HEADER.size + 10] ^= 0xFF
    segment.write_bytes(bytes(data))

    reader = SegmentReader(str(segment))
    offsets = [after for _, after in reader.records(limit=100)]
    assert len(offsets) == 4
    assert reader.skipped_bytes == record_size
    reader.close()

    reopened = open_spool(tmp_path)
    assert drain(reopened) == [0, 1, 3, 4]


def test_a_cursor_naming_a_deleted_segment_resumes_at_the_oldest_left(tmp_path):
    spool = open_spool(tmp_path, segment_bytes=64 * 1024)
    for n in range(2000):
        spool.append(event(n))
    spool.close()
    segments = sorted(tmp_path.glob("*.seg"))
    (tmp_path / "cursor").write_text("1 0\n")
    os.unlink(segments[0])  # as if the crash fell between deleting it and writing the cursor
    reader = SegmentReader(str(segments[1]))
    first_left = msgspec.msgpack.decode(next(reader.records(limit=1))[0], type=Event).seq
    reader.close()

    reopened = open_spool(tmp_path, segment_bytes=64 * 1024)
    assert drain(reopened) == list(range(first_left, 2000))


@pytest.mark.parametrize("policy", ["interval", "batch", "never"])
def test_the_flusher_stops_when_told(tmp_path, policy):
    spool = Spool(str(tmp_path), 1 << 20, policy)
    spool.append(event(0))

    async def run():
        flusher = Flusher(spool, policy, 0.01)
        task = asyncio.create_task(flusher.run())
        await asyncio.sleep(0.05)
        flusher.stop()
        await asyncio.wait_for(task, 5)

    asyncio.run(run())
    spool.close()


def test_under_batch_policy_acknowledgements_wait_for_a_flush(tmp_path, monkeypatch):
    spool = Spool(str(tmp_path), 1 << 20, "batch")
    synced = []
    real_sync = spool.sync
    monkeypatch.setattr(spool, "sync", lambda: (synced.append(spool.appended), real_sync()))

    async def run():
        flusher = Flusher(spool, "batch", 0.2)
        task = asyncio.create_task(flusher.run())
        spool.append(event(0))
        first = flusher.durable()
        spool.append(event(1))
        second = flusher.durable()
        await asyncio.wait_for(asyncio.gather(first, second), 5)
        flusher.stop()
        await task

    asyncio.run(run())
    assert synced and synced[0] == 2  # one flush covered both batches
    assert Flusher(spool, "interval", 0.2).durable() is None


def test_a_full_spool_refuses_and_says_so(tmp_path):
    spool = Spool(str(tmp_path), 64 * 1024, "never", max_bytes=1 << 20, full_policy="refuse")
    with capture_logs() as logs:
        with pytest.raises(SpoolFull, match="the spool is full"):
            for n in range(100_000):
                spool.append(event(n, size=1000))
    assert spool.disk_bytes <= 1 << 20
    assert [entry["event"] for entry in logs if entry["log_level"] == "error"] == ["spool_full"]
    kept = spool.pending_events
    assert drain(spool) == list(range(kept))
    spool.append(event(kept))  # room again once published
    assert drain(spool) == [kept]


def test_a_full_spool_with_drop_oldest_keeps_the_newest(tmp_path):
    spool = Spool(str(tmp_path), 64 * 1024, "never", max_bytes=1 << 20, full_policy="drop_oldest")
    for n in range(5000):
        spool.append(event(n, size=1000))
    assert spool.disk_bytes <= 1 << 20
    assert spool.dropped > 0
    seqs = drain(spool)
    assert seqs == list(range(5000 - len(seqs), 5000))
    assert spool.dropped + len(seqs) == 5000


def test_the_spool_directory_is_private(tmp_path):
    open_spool(tmp_path / "spool")
    assert (tmp_path / "spool").stat().st_mode & 0o777 == 0o700
    (segment,) = (tmp_path / "spool").glob("*.seg")
    assert segment.stat().st_mode & 0o777 == 0o600


def test_the_backlog_is_counted_from_count_files_or_by_reading_when_they_are_gone(tmp_path):
    spool = open_spool(tmp_path, segment_bytes=64 * 1024)
    for n in range(3000):
        spool.append(event(n))
    spool.close()
    count_files = sorted(tmp_path.glob("*.count"))
    assert len(count_files) == len(list(tmp_path.glob("*.seg"))) - 1
    assert open_spool(tmp_path, segment_bytes=64 * 1024).pending_events == 3000
    for path in count_files[::2]:
        path.unlink()
    count_files[1].write_text("garbage")
    assert open_spool(tmp_path, segment_bytes=64 * 1024).pending_events == 3000


def test_a_full_spools_refusal_says_what_is_used_and_left_in_a_unit_that_shows_it(tmp_path):
    """Whole MiB rounded a spool under 1 MiB to "0 MiB" used, and hid what was left for the event."""
    spool = Spool(str(tmp_path), 64 * 1024, "never", max_bytes=600 * 1024, full_policy="refuse")
    spool.append(event(0, size=300 * 1024))
    used = spool.disk_bytes
    with pytest.raises(SpoolFull) as caught:
        spool.append(event(1, size=400 * 1024))
    message = str(caught.value)
    assert f"{used / 1024:.1f} KiB of spool_max_bytes 600.0 KiB used" in message, message
    assert f"{(600 * 1024 - used) / 1024:.1f} KiB left" in message and "0 MiB" not in message, message
    assert "1 event waiting for Redis" in message, message
