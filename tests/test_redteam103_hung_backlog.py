"""Hundred-third red-team pass: the start's redaction of the spool's backlog, on a disk that hung.

A start after a change of the redaction settings reads the spool's waiting events and redacts them
again (daemon/backlog.py). Its reads of the segments were made on the event loop while every other
read of the spool's was made off it (reading.py): a disk that stopped answering held the loop with
the start. An in-process ``Spool`` on a faultfs mount (tests/faultfs.py), reopened so that its
events are read from the file, whose reads the mount then holds until the test lets them go.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path
from typing import NamedTuple

import pytest
from faultfs import FaultFS
from faultfs_daemon import NEEDS_FAULTFS

from hookd.daemon.backlog import REDACTED_BY, redact_backlog
from hookd.daemon.backlog_publish import RedactOnPublish
from hookd.redact import build_redactor
from hookd.spool import Spool
from hookd.spool.event import Event

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"
SAFETY_S = 30.0  # the hung read let go by a timer after this: only a loop held by it waits that long

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]


def _event(seq: int, pad: int = 0) -> Event:
    envelope = {"v": 1, "seq": seq, "event_id": f"e{seq}", "hook": "Stop", "session_id": "s", "note": f"k {AWS_KEY}"}
    envelope["pad"] = "x" * pad
    return Event(seq, "host", f"e{seq}", "Stop", "s", "", json.dumps(envelope).encode())


def reopened(tmp_path: Path, events: int = 5, segment_bytes: int = 1 << 20, pad: int = 0) -> tuple[Path, Spool]:
    """Events 1 to ``events``, each holding AWS_KEY (and ``pad`` bytes more), spooled on the mount, and the
    spool opened again (counted, its events read from the file)."""
    directory = tmp_path / "mnt" / "spool"
    directory.mkdir(mode=0o700)
    spool = Spool(str(directory), segment_bytes=segment_bytes, fsync="never")
    for seq in range(1, events + 1):
        spool.append(_event(seq, pad))
    spool.close()
    spool = Spool(str(directory), segment_bytes=segment_bytes, fsync="never")
    assert spool.backlog_known and spool.pending_events == events
    return directory, spool


class Mounted(NamedTuple):
    fs: FaultFS  # mounted at tmp_path/mnt
    state: Path  # hookd's state directory (off the mount)
    state_fd: int  # opened on it, as the daemon holds it


@pytest.fixture
def mounted(tmp_path: Path):
    fs = FaultFS(tmp_path / "backing", tmp_path / "mnt")
    fs.mount()
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    state_fd = os.open(state, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield Mounted(fs, state, state_fd)
    finally:
        os.close(state_fd)
        fs.unmount()


def test_a_hung_read_of_the_backlog_redacted_again_leaves_the_loop_running(tmp_path: Path, mounted: Mounted) -> None:
    fs, state, state_fd = mounted
    let_go = threading.Timer(SAFETY_S, fs.set_rules, [[]])
    try:
        directory, spool = reopened(tmp_path)

        async def run() -> tuple[str, list[int]]:
            fs.set_rules([{"op": "read", "path": "/spool/*.seg", "delay_s": 600, "until_cleared": True}])
            let_go.start()
            told: list[tuple[str, int, int]] = []
            redacting = asyncio.ensure_future(
                redact_backlog(spool, build_redactor(True), "digest", state_fd, lambda *said: told.append(said))
            )
            async with asyncio.timeout(SAFETY_S * 2):
                while not any(f["op"] == "read" for f in fs.faults()):
                    await asyncio.sleep(0.05)
            # The loop runs while the read hangs: it, not the safety timer, lets the read go.
            assert let_go.is_alive(), "the loop waited for the backlog's hung read until the safety timer let it go"
            assert not redacting.done()
            said = spool.reading.reading_since
            assert said is not None
            fs.set_rules([])
            assert await redacting is None  # every copy written
            return said[0], [n for what, n, _ in told if "reading" not in what]

        reading, copied = asyncio.run(run())
        assert reading.startswith(f"{directory}/") and reading.endswith(".seg"), reading
        assert copied == [5]
        assert (state / REDACTED_BY).read_text().strip() == "digest"
        batch = spool.read_batch(100, 1 << 30)
        assert [e.seq for e in batch.events] == [1, 2, 3, 4, 5]
        assert all(AWS_KEY.encode() not in e.envelope for e in batch.events)
        spool.close()
    finally:
        let_go.cancel()


def test_a_read_that_fails_in_the_pass_leaves_the_backlog_redacted_as_it_is_published(
    tmp_path: Path, mounted: Mounted
) -> None:
    """Counted at the start, then unreadable (EIO): the pass read no event. It was taken for done, recorded as
    this run's, and the events then reached Redis as the settings they were spooled under redacted them."""
    fs, state, state_fd = mounted
    directory, spool = reopened(tmp_path)
    fs.set_rules([{"op": "read", "path": "/spool/*.seg", "errno": "EIO", "count": -1}])
    on_publish = asyncio.run(redact_backlog(spool, build_redactor(True), "digest", state_fd, lambda *_: None))
    assert any(f["op"] == "read" for f in fs.faults())
    assert isinstance(on_publish, RedactOnPublish) and "Input/output error" in on_publish.error, on_publish
    assert on_publish.waiting == 5 and on_publish.due
    assert not (state / REDACTED_BY).exists()  # not recorded as redacted by this run's settings
    fs.set_rules([])
    batch = asyncio.run(spool.next_batch(100, 1 << 30))
    assert [e.seq for e in batch.events] == [1, 2, 3, 4, 5]  # the originals, none let go
    assert AWS_KEY.encode() in batch.events[0].envelope  # as spooled (redact=False on the way in: none here)
    sent = asyncio.run(on_publish(batch))
    assert [e.seq for e in sent.events] == [1, 2, 3, 4, 5]
    assert all(AWS_KEY.encode() not in e.envelope for e in sent.events)
    spool.close()


def test_a_read_that_fails_while_the_copies_are_made_lets_no_original_go(tmp_path: Path, mounted: Mounted) -> None:
    """The first pass finds a secret in the first segment's batch and stops there; the copying then reads the
    second segment, which fails (EIO). The copies of the first were committed in place of their originals,
    the pass taken for done, and the second segment's events reached Redis as spooled."""
    fs, state, state_fd = mounted
    directory, spool = reopened(tmp_path, events=40, segment_bytes=64 << 10, pad=3000)
    segments = sorted(p.name for p in directory.glob("*.seg"))
    assert len(segments) >= 2, segments
    fs.set_rules([{"op": "read", "path": f"/spool/{segments[1]}", "errno": "EIO", "count": -1}])
    on_publish = asyncio.run(redact_backlog(spool, build_redactor(True), "digest", state_fd, lambda *_: None))
    assert [f["path"] for f in fs.faults()][:1] == [f"/spool/{segments[1]}"]
    assert isinstance(on_publish, RedactOnPublish) and on_publish.waiting == 40, on_publish
    assert not (state / REDACTED_BY).exists()
    fs.set_rules([])
    batch = asyncio.run(spool.next_batch(100, 1 << 30))
    assert batch.events[0].seq == 1 and AWS_KEY.encode() in batch.events[0].envelope  # the originals first
    assert all(AWS_KEY.encode() not in e.envelope for e in asyncio.run(on_publish(batch)).events)
    spool.close()
