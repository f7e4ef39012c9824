"""The spool's backlog redacted again at start when the redaction settings changed since it was spooled.

An event is redacted once, when it is built, by the settings of the hookd that takes it. One spooled
while Redis was away waits in the spool; if hookd is then started with other settings (a rule
`redact_disable` named turned back on, a rule of the user's added, a new rule table), the event would
reach Redis redacted by the settings it no longer runs with: an AWS key spooled under
`redact_disable = ["aws_access_key_id"]` was published raw after the rule was turned back on. So
the settings that redacted the spool's waiting events are recorded (REDACTED_BY in the state
directory, a digest), and at start, when they differ from this run's and events wait, each waiting
event is redacted again (envelope/again.py) in a worker thread, batch by batch, its copy appended
(same seq and event id: Redis keeps one of each, by the publish script's high-water mark) and the
original committed, so the raw copy leaves the disk with its segment. Before the inbox is taken and
anything is served, so the order holds. Only when the rules find something: a first pass reads the
backlog, writing nothing, up to the first event they would change, and what it redacted is not
redacted again (the events before that batch are their own copies; that batch's copies are kept).
Bounded by the spool (spool_max_bytes) and linear in it, as redaction is: each event redacted once;
done once per change of settings (the digest is written after the last batch).

`redact = false` leaves the backlog as it is (the user turned redaction off); a later start with it
on redacts it then. The copies may take the spool past spool_max_bytes by a batch and a segment
(Spool.append_copies: the policy's room would refuse them or drop waiting events); should the disk
be too full to take a batch's copies, what is left is said (`spool_backlog_not_redacted`, with the
count) and tried again at the next start.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import NamedTuple

import msgspec
import structlog

from hookd import __version__
from hookd.config import Config
from hookd.envelope.again import event_again
from hookd.paths import read_private, replace_private
from hookd.redact.redactor import Redactor
from hookd.spool import Spool, SpoolFull
from hookd.spool.event import Event

log = structlog.get_logger("hookd.daemon")

REDACTED_BY = "spool-redacted-by"
BATCH_EVENTS = 256
BATCH_BYTES = 8 << 20
WHAT = "redacting the spool's waiting events again"

# Told how far a long start has gone (what, done, of how many): startup.StartProgress, which keeps a
# service manager from killing a start that outlasts its TimeoutStartSec while it makes progress.
Progress = Callable[[str, int, int], None]


def settings_digest(config: Config, redactor: Redactor | None) -> str:
    """What decides how an event is redacted: the rules in force (by name, with the user's whole), the
    allowed patterns, hookd's version; none at all when redaction is off."""
    if redactor is None:
        return "off"
    rules = sorted(rule.name for rule in redactor.rules)
    own = [msgspec.json.encode(rule).decode() for rule in config.redact_rules]
    text = json.dumps([__version__, rules, own, list(config.redact_allow)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _recorded(state_fd: int) -> str | None:
    try:
        return read_private(REDACTED_BY, 200, dir_fd=state_fd).decode("ascii", "replace").strip()
    except FileNotFoundError:
        return None


async def redact_backlog(
    spool: Spool, redactor: Redactor | None, digest: str, state_fd: int, progress: Progress
) -> None:
    """Bring the spool's waiting events to this run's redaction settings, then record them; ``progress``
    is told of each batch (a backlog of a full spool takes minutes)."""
    if redactor is not None and spool.pending_events and _recorded(state_fd) != digest:
        if not await _again(spool, redactor, progress):
            return  # the rest is tried again at the next start
    if _recorded(state_fd) != digest:
        await asyncio.to_thread(replace_private, REDACTED_BY, digest.encode() + b"\n", True, state_fd)


def _batch_bytes(spool: Spool) -> int:
    """A batch's bytes at most: within a segment, so that the copies past spool_max_bytes (append_copies)
    are a segment at most before the originals' segments go."""
    return min(BATCH_BYTES, spool.segment_bytes)


def _each_again(redactor: Redactor, events: Sequence[Event]) -> tuple[list[Event], Counter[str]]:
    found: Counter[str] = Counter()
    copies = []
    for event in events:
        copy, more = event_again(redactor, event)
        copies.append(copy)
        found.update(more)
    return copies, found


class Probe(NamedTuple):
    """What the read-only pass learnt: the waiting events before the batch with the first it would
    change (their copies are the events themselves: event_again changes nothing in them), and that
    batch's copies, kept (one batch, within BATCH_BYTES) so that none of it is redacted twice."""

    unchanged: int
    event_ids: list[str]
    copies: list[Event]
    found: Counter[str]


async def _holds_more(spool: Spool, redactor: Redactor, waiting: int, progress: Progress) -> Probe | None:
    """Whether this run's rules find anything in the backlog: read once, nothing written, up to the
    first event they would change (an upgraded hookd's first start reads it all and, as its rules
    find nothing more in envelopes they redacted, leaves the spool as it is)."""
    seen = 0
    spool.rewind()
    try:
        while seen < waiting:
            batch = spool.read_batch(min(BATCH_EVENTS, waiting - seen), _batch_bytes(spool))
            if not batch.events:
                return None
            copies, found = await asyncio.to_thread(_each_again, redactor, batch.events)
            if found:
                return Probe(seen, [event.event_id for event in batch.events], copies, found)
            seen += len(batch.events)
            progress(f"{WHAT} (reading)", seen, waiting)
        return None
    finally:
        spool.rewind()


async def _again(spool: Spool, redactor: Redactor, progress: Progress) -> bool:
    waiting = spool.pending_events  # the originals, read by count: their copies follow them
    probe = await _holds_more(spool, redactor, waiting, progress)
    if probe is None:
        return True
    done, found = 0, Counter[str]()
    while done < waiting:
        # The same batches as the probe's: read from the same place with the same bounds.
        batch = spool.read_batch(min(BATCH_EVENTS, waiting - done), _batch_bytes(spool))
        if not batch.events:
            break
        if done + len(batch.events) <= probe.unchanged:
            copies, more = list(batch.events), Counter[str]()
        elif done == probe.unchanged and [event.event_id for event in batch.events] == probe.event_ids:
            copies, more = probe.copies, probe.found
        else:
            copies, more = await asyncio.to_thread(_each_again, redactor, batch.events)
        try:
            spool.append_copies(copies)
        except SpoolFull as exc:
            log.error(
                "spool_backlog_not_redacted",
                events=waiting - done,
                error=str(exc),
                hint="the spool cannot take the redacted copies now; they are published as they were "
                "redacted when spooled unless hookd is restarted with room in the spool",
            )
            spool.rewind()
            return False
        await asyncio.to_thread(spool.sync)  # the copies on the disk before the originals are let go
        spool.commit(batch)
        await asyncio.to_thread(spool.let_go_committed)  # room for the next batch's copies
        done += len(batch.events)
        found.update(more)
        progress(WHAT, done, waiting)
    spool.rewind()
    await asyncio.to_thread(spool.save_cursor)
    log.warning(
        "spool_redacted_again",
        events=done,
        secrets=dict(found),
        hint="the redaction settings changed since these events were spooled; they were redacted "
        "again with this run's before any is published",
    )
    return True
