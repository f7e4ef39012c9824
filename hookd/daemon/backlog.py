"""The spool's backlog redacted again at start when the redaction settings changed since it was spooled.

An event is redacted once, when it is built, by the settings of the hookd that takes it. One spooled
while Redis was away waits in the spool; if hookd is then started with other settings (a rule
`redact_disable` named turned back on, a rule of the user's added, a new rule table), the event would
reach Redis redacted by the settings it no longer runs with: an AWS key spooled under
`redact_disable = ["aws_access_key_id"]` was published raw after the rule was turned back on. So
the settings that redacted the spool's waiting events are recorded (REDACTED_BY in the state
directory, a digest), and at start, when they differ from this run's and events wait, each waiting
event is redacted again (envelope/again.py) in a worker thread, batch by batch, its copy appended
(same seq and event id: Redis keeps one of each, by the publish script's high-water mark), and once
every copy is on the disk the originals are committed at once, so the raw copies leave the disk with
their segments. Before the inbox is taken and
anything is served, so the order holds. Only when the rules find something: a first pass reads the
backlog, writing nothing, up to the first event they would change, and what it redacted is not
redacted again (the events before that batch are their own copies; that batch's copies are kept).
Bounded by the spool (spool_max_bytes) and linear in it, as redaction is: each event redacted once;
done once per change of settings (the digest is written after the last batch).

`redact = false` leaves the backlog as it is (the user turned redaction off); a later start with it
on redacts it then. While the copies are made the spool holds the backlog twice, past spool_max_bytes
if need be (Spool.append_copies: the policy's room would refuse them or drop waiting events). A disk that cannot
take the copies never lets the backlog out as it was spooled (backlog_copier.py): no original is let
go before every copy is on the disk, and on a failed write the backlog is redacted again as it is
published instead (backlog_publish.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import json

import msgspec

from hookd import __version__
from hookd.config import Config
from hookd.daemon.backlog_copier import BATCH_EVENTS, WHAT, Copier, Probe, Progress, batch_bytes, not_read_through
from hookd.daemon.backlog_publish import RedactOnPublish, each_again
from hookd.daemon.backlog_record import REDACTED_BY, BacklogRecord
from hookd.redact.redactor import Redactor
from hookd.spool import Spool

__all__ = ["BATCH_EVENTS", "REDACTED_BY", "redact_backlog", "settings_digest"]


def settings_digest(config: Config, redactor: Redactor | None) -> str:
    """What decides how an event is redacted: the rules in force (by name, with the user's whole), the
    allowed patterns, hookd's own secrets redacted by value (redact/known.py: a run without the HTTP
    listener knows no token), hookd's version; none at all when redaction is off."""
    if redactor is None:
        return "off"
    rules = sorted(rule.name for rule in redactor.rules)
    own = [msgspec.json.encode(rule).decode() for rule in config.redact_rules]
    known = [[name, value] for value, name in redactor.known]
    text = json.dumps([__version__, rules, own, list(config.redact_allow), *([known] if known else [])])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


async def redact_backlog(
    spool: Spool, redactor: Redactor | None, digest: str, state_fd: int, progress: Progress
) -> RedactOnPublish | None:
    """Bring the spool's waiting events to this run's redaction settings, then record them; ``progress``
    is told of each batch (a backlog of a full spool takes minutes). What the disk could not take copies
    of is returned, to be redacted again as it is published (backlog_publish.py)."""
    record = BacklogRecord(state_fd, digest)
    on_publish = None
    if redactor is not None and not spool.backlog_known and record.done_by != digest:
        # Not read now (EIO): every event of it is redacted again as it is published, none recorded done.
        on_publish = RedactOnPublish(spool, redactor, record, None, spool.read_failure.error or "")
    elif redactor is not None and spool.pending_events and record.done_by != digest:
        on_publish = await _again(spool, redactor, record, progress)
    if on_publish is None and record.done_by != digest:
        await asyncio.to_thread(record.done)
    # Not recorded as this run's (a full disk, or not until Redis has the backlog): this run's events must
    # not be taken by a later start for those of the settings the record names.
    await asyncio.to_thread(record.forget)
    return on_publish


async def _holds_more(spool: Spool, redactor: Redactor, waiting: int, progress: Progress) -> Probe | None:
    """Whether this run's rules find anything in the backlog: read once, nothing written, up to the
    first event they would change (an upgraded hookd's first start reads it all and, as its rules
    find nothing more in envelopes they redacted, leaves the spool as it is)."""
    seen = 0
    spool.rewind()
    try:
        while seen < waiting:
            batch = await spool.read_waiting(min(BATCH_EVENTS, waiting - seen), batch_bytes(spool))
            if not batch.events:
                return None
            copies, found = await asyncio.to_thread(each_again, redactor, batch.events)
            if found:
                return Probe(seen, [event.event_id for event in batch.events], copies, found)
            seen += len(batch.events)
            progress(f"{WHAT} (reading)", seen, waiting)
        return None
    finally:
        spool.rewind()


async def _again(spool: Spool, redactor: Redactor, record: BacklogRecord, progress: Progress) -> RedactOnPublish | None:
    waiting = spool.pending_events  # the originals, read by count: their copies follow them
    probe = await _holds_more(spool, redactor, waiting, progress)
    if probe is None:
        return None if spool.read_failure.error is None else not_read_through(spool, redactor, record, waiting)
    return await Copier(spool, redactor, record, progress, waiting, probe).copy_all()
