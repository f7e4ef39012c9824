"""Seventy-third red-team pass: the inbox's hand-off ids read after the start gave up waiting for them.

An event spooled before the hand-off ids' span (received more than handoffs.KEEP_S ago), its inbox
copy still there after a crash (hook-send's OK cut off by it). The start finds such copies by the
waiting files' ids, looked for in the whole spool; with the inbox's reads hung (a faultfs mount,
tests/faultfs.py, as the sixty-sixth pass) the start goes on without those ids, and its sweep took
the copy once the mount answered: the event published twice.
"""

from __future__ import annotations

import json
import os
import time

import msgspec
import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, numbered  # noqa: F401
from test_redteam5_inbox import frame, put
from test_redteam64_hung_spool import hung_daemon  # noqa: F401
from test_redteam66_hung_inbox import hang, send

from hookd.spool.event import Event
from hookd.spool.records import SegmentReader, encode_record

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]

HANDOFF = "7300000000000001"
OLD_S = 600  # past handoffs.KEEP_S, and past the spool's retain_published_s


def leave_copy(daemon, n: int) -> None:
    """Event ``n`` in the inbox under HANDOFF, as hook-send leaves it when no OK came."""
    inbox = daemon.state_dir / "inbox"
    inbox.mkdir(mode=0o700, exist_ok=True)
    put(str(inbox), time.time_ns(), HANDOFF, frame(numbered(n, pad=70_000), HANDOFF, time.time_ns()))


def age_spool(spool) -> int:
    """Every spooled event received OLD_S earlier, its segment last written then too: the records are
    written again as they were but for received_ns (its encoding keeps its length: the cursor's
    offsets hold). Returns how many carry HANDOFF."""
    decoder, encoder, found = msgspec.msgpack.Decoder(Event), msgspec.msgpack.Encoder(), 0
    for seg in sorted(spool.glob("*.seg")):
        reader = SegmentReader(str(seg))
        try:
            events = [decoder.decode(data) for data, _ in reader.records(limit=2**62)]
        finally:
            reader.close()
        found += sum(e.handoff_id == HANDOFF for e in events)
        aged = [msgspec.structs.replace(e, received_ns=e.received_ns - OLD_S * 10**9) for e in events]
        data = b"".join(encode_record(encoder.encode(e)) for e in aged)
        assert len(data) == seg.stat().st_size
        seg.write_bytes(data)
        os.utime(seg, (time.time() - OLD_S, time.time() - OLD_S))
    return found


def restart_with_an_old_copy(daemon, fs, redis, rules: list[dict]) -> None:
    """Event 1 spooled from the inbox (Redis away) OLD_S ago, its inbox copy left again; the daemon then
    started with ``rules`` set and Redis up."""
    leave_copy(daemon, 1)
    daemon.start()  # Redis away: event 1 is spooled from the inbox and waits there
    wait_until(lambda: not list((daemon.state_dir / "inbox").glob("*.hookd")), timeout=20, what="event 1 spooled")
    assert daemon.stop() == 0
    assert age_spool(daemon.state_dir / "spool") == 1
    leave_copy(daemon, 1)  # the copy whose file survived
    fs.set_rules(rules)
    redis.start()
    daemon.start()


def test_an_inbox_copy_of_an_event_spooled_before_the_span_is_dropped_once_its_id_is_read_late(hung_daemon):  # noqa: F811
    # Segments small enough that the event's fills one: it is behind the cursor once published.
    daemon, fs, redis = hung_daemon(stall_after_s="2", inbox_poll_ms="200", spool_segment_bytes=str(64 << 10))
    restart_with_an_old_copy(daemon, fs, redis, hang(8, count=2))
    # Published after event 1, it moves the cursor past event 1's segment, which is then let go
    # (older than retain_published_s) unless kept for the ids still to come.
    assert send(daemon, 2) == "delivered"
    wait_until(lambda: arrived(redis) == [1, 2], timeout=30, what="events 1 and 2 in Redis")
    wait_until(lambda: not list((daemon.state_dir / "inbox").glob("*.hookd")), timeout=30, what="the inbox emptied")
    time.sleep(1.5)  # sweeps more: the copy would be published by now
    assert arrived(redis) == [1, 2]
    lines = [json.loads(line) for line in daemon.log_text().splitlines() if line.startswith("{")]
    assert [line["event"] for line in lines if line["event"] == "inbox_not_answering_at_start"]
    (late,) = [line for line in lines if line["event"] == "inbox_handoff_ids_read_late"]
    assert (late["waiting"], late["spooled"]) == (1, 1)
    assert [line for line in lines if line["event"] == "handoff_duplicate_dropped"]
