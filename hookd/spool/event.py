"""The record the spool keeps for each accepted event: its envelope and the fields Redis indexes.

It lives here, at the bottom, because the spool stores it and everything above (the envelope
builder, the publisher, replay) hands it down; hookd.envelope builds it and re-exports it.
"""

from __future__ import annotations

import msgspec


class Event(msgspec.Struct, array_like=True, frozen=True):
    """One accepted event as the spool keeps it: the envelope and the fields Redis indexes."""

    seq: int
    host: str
    event_id: str
    hook: str
    session: str
    tool: str
    envelope: bytes
    handoff_id: str = ""
    received_ns: int = 0
    # The state directory that numbered it (see hookd/sequence.py); "" in spools written
    # before there was one, and for envelopes that name none.
    instance: str = ""
