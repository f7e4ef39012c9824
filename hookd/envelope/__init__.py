"""From a frame's header and body to the envelope that is spooled and published.

The payload is validated (one JSON object, UTF-8) and then embedded byte for
byte, so every field Claude Code sent, known or not, reaches Redis as it was;
only the few fields the envelope lifts out are decoded. payload.py reads and
prepares a payload (the work that grows with its size, done in the worker
process for large ones); builder.py numbers, times and encodes the envelope.
"""

from hookd.envelope.builder import (
    ENVELOPE_FIELDS,
    ENVELOPE_VERSION,
    UNKNOWN_HOOK,
    ClientInfo,
    Envelope,
    EnvelopeBuilder,
    EventIds,
    UtcText,
)
from hookd.envelope.payload import PayloadHead, Prepared, Preparer, read_payload, read_payload_head
from hookd.spool.event import Event

__all__ = [
    "ENVELOPE_FIELDS",
    "ENVELOPE_VERSION",
    "UNKNOWN_HOOK",
    "ClientInfo",
    "Envelope",
    "EnvelopeBuilder",
    "Event",
    "EventIds",
    "PayloadHead",
    "Prepared",
    "Preparer",
    "UtcText",
    "read_payload",
    "read_payload_head",
]
