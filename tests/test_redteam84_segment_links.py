"""The eighty-fourth red-team pass (docs/security.md): a second name (a hard link) made of the segment
being written while hookd runs. The seventy-eighth pass refuses one found at the start; one made later
(an `ln` or a `cp -al` of the state directory) got every event written after it, and kept them once
the spool deleted the segment. Now the writer sees the segment's link count before each write, starts
the next segment and says so (spool_segment_linked); the other name keeps what it held then.
"""

from __future__ import annotations

import asyncio
import re

from structlog.testing import capture_logs
from test_spool import drain, event, open_spool


def seqs_in(path) -> list[int]:
    """The events in a file, by the numbers their envelopes carry (test_spool.event's)."""
    return [int(n) for n in re.findall(rb'\{"n": (\d+),', path.read_bytes())]


def check(tmp_path, append) -> None:
    spool = open_spool(tmp_path / "spool")
    try:
        append(spool, [event(0), event(1)])
        (segment,) = (tmp_path / "spool").glob("*.seg")
        (tmp_path / "copy.seg").hardlink_to(segment)
        with capture_logs() as logs:
            append(spool, [event(2)])
            append(spool, [event(3)])
        assert seqs_in(tmp_path / "copy.seg") == [0, 1], "events went on into the other name"
        assert [entry["path"] for entry in logs if entry["event"] == "spool_segment_linked"] == [str(segment)]
        assert drain(spool) == [0, 1, 2, 3]
    finally:
        spool.close()


def test_the_writer_leaves_a_segment_that_gained_another_name(tmp_path):
    check(tmp_path, lambda spool, events: spool.append_many(events))


def test_the_write_thread_leaves_a_segment_that_gained_another_name(tmp_path):
    def queued(spool, events):
        async def appended():
            await asyncio.wait_for(spool.append_queued(events), 10)

        asyncio.run(appended())

    check(tmp_path, queued)
