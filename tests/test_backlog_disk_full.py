"""The backlog's redaction at start (daemon/backlog.py) on a disk that fills while the copies are written,
and a start stopped between two batches.

The pass appended each batch's redacted copies and let the originals go, batch by batch. On a write
that failed after the first batch the pass gave up (`spool_backlog_not_redacted`): the originals left
were published as they were spooled, with the value the running settings redact, and the copies of
the batches already let go came after them in the spool, so the publish script's high-water mark
skipped those earlier events as repeats; a stop between two batches did the same at the next start.
Now no original goes before every copy is on the disk, and a failed write has the backlog redacted
as it is published: what reaches Redis (each seq once, the first of it, as the high-water mark keeps)
is every event, in seq order, none with the value. A real Spool on a real tmpfs (root, as in CI),
filled or stopped from the pass's progress report.
"""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from test_disk_full import fill, mounts  # noqa: F401 (mounts: the fixture)

from hookd.daemon.backlog import REDACTED_BY, redact_backlog
from hookd.redact import build_redactor
from hookd.spool import Spool
from hookd.spool.event import Event

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)")

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"
WAITING = 600  # some 1 KiB each: ten batches of a 64 KiB segment
PAD = "lorem ipsum dolor sit amet " * 36


class Stopped(Exception):
    """hookd stopped (or killed) between two batches of the pass."""


def _event(seq: int) -> Event:
    envelope = {
        "v": 1,
        "seq": seq,
        "event_id": f"e{seq}",
        "hook": "Stop",
        "session_id": "s",
        "note": f"{AWS_KEY} {PAD}",
    }
    return Event(seq, "host", f"e{seq}", "Stop", "s", "", json.dumps(envelope).encode())


def _spool(directory) -> Spool:
    return Spool(str(directory / "spool"), 64 << 10, "never")


async def _published(spool: Spool, on_publish) -> list[Event]:
    """What Redis keeps of the spool read from its cursor as the publisher reads it: a seq at most once,
    the first to come (the publish script's high-water mark skips the rest as repeats)."""
    spool.rewind()
    kept: list[Event] = []
    while spool.has_unread():
        batch = spool.read_batch(100, 1 << 20)
        if on_publish is not None:
            batch = await on_publish(batch)
        kept += [e for e in batch.events if not kept or e.seq > kept[-1].seq]
        spool.commit(batch)
    return kept


@pytest.mark.parametrize("then", ["disk-full", "stopped"])
def test_a_pass_cut_after_its_first_batch_never_lets_the_backlog_out_raw_or_out_of_order(tmp_path, mounts, then):
    state = tmp_path / "state"
    mounts(state, "8m")
    spool = _spool(state)
    spool.append_many([_event(seq) for seq in range(1, WAITING + 1)])
    state_fd = os.open(state, os.O_RDONLY | os.O_DIRECTORY)
    filler = []

    def progress(what: str, done: int, total: int) -> None:
        if done and not filler:  # the first batch's copies written
            if then == "stopped":
                raise Stopped
            filler.append(fill(state))

    async def start() -> list[Event]:
        nonlocal spool
        try:
            on_publish = await redact_backlog(spool, build_redactor(True), "digest", state_fd, progress)
        except Stopped:
            spool.close()
            spool = _spool(state)  # the next start, on the spool as the stop left it
            on_publish = await redact_backlog(spool, build_redactor(True), "digest", state_fd, lambda *said: None)
        assert (on_publish is not None) == (then == "disk-full")
        published = await _published(spool, on_publish)
        if filler:
            filler.pop().unlink()
        if on_publish is not None:
            await asyncio.wait_for(on_publish.run(), 10)
        return published

    try:
        published = asyncio.run(start())
        assert [e.seq for e in published] == list(range(1, WAITING + 1))  # each once, in seq order
        assert not [e.seq for e in published if AWS_KEY.encode() in e.envelope]
        assert (state / REDACTED_BY).read_text().strip() == "digest"
    finally:
        os.close(state_fd)
        spool.close()


def test_a_full_disk_before_the_first_copy_redacts_the_backlog_as_it_is_published(tmp_path, mounts):
    state = tmp_path / "state"
    mounts(state, "8m")
    spool = _spool(state)
    originals = [_event(seq) for seq in range(1, WAITING + 1)]
    spool.append_many(originals)
    state_fd = os.open(state, os.O_RDONLY | os.O_DIRECTORY)
    filler = fill(state)

    async def publish() -> list[Event]:
        on_publish = await redact_backlog(spool, build_redactor(True), "digest", state_fd, lambda *said: None)
        published = []
        while spool.has_unread():  # as the publisher reads, sends and commits
            batch = spool.read_batch(100, 1 << 20)
            if on_publish is not None:
                batch = await on_publish(batch)
            published += batch.events
            spool.commit(batch)
        assert not (state / REDACTED_BY).exists()  # not before Redis has the backlog: it stays to redact
        filler.unlink()
        if on_publish is not None:
            await asyncio.wait_for(on_publish.run(), 10)
        return published

    try:
        published = asyncio.run(publish())
        assert [e.seq for e in published] == list(range(1, WAITING + 1))
        assert not [e.seq for e in published if AWS_KEY.encode() in e.envelope]
        assert (state / REDACTED_BY).read_text().strip() == "digest"
    finally:
        os.close(state_fd)
        spool.close()
