"""An envelope redacted again with the rules of now: one made under other redaction settings.

An envelope is redacted when it is built, by the rules of the hookd that built it. `hookd replay
--file` publishes envelopes an older rule table or other settings redacted (or no hookd at all),
and `hookd run` starts with a spool whose waiting envelopes were redacted under the settings of
its last run (daemon/backlog.py); both redact them again here, as the daemon redacts a payload:
every field but those that say which event it is. A redacted envelope is the same bytes, redacting
it again.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import msgspec
import structlog

from hookd.jsonl import loads
from hookd.peers import Throttle
from hookd.redact import DENSE
from hookd.redact.dense import redact_in_bulk
from hookd.redact.redactor import Redactor
from hookd.spool.event import Event

# What says which event an envelope is, and hookd's own counts: never a secret the sender wrote.
IDENTITY = frozenset({"v", "event_id", "seq", "host", "instance", "received_at", "sent_at", "redactions", "truncated"})
# Kept as the event's names when a dense stretch (hookd/redact/dense.py) takes every string.
NAMES = ("hook", "session_id", "tool_name")

log = structlog.get_logger("hookd.envelope")
_not_json_lines = Throttle(10.0)


def redact_fields(redactor: Redactor, envelope: dict[str, Any]) -> Counter[str]:
    """Redact the envelope's fields in place -> the secrets found, by rule."""
    rest = {key: value for key, value in envelope.items() if key not in IDENTITY}
    text = json.dumps(rest, separators=(",", ":"))
    redacted, found = redactor.redact(text)
    if not found:
        return found
    try:
        fields = loads(redacted)
    except ValueError:  # a rule's output that is not JSON: nothing of the text is kept
        redacted, found = redact_in_bulk(text, [], [(0, len(text))])
        fields = loads(redacted)
    if DENSE in found:
        for name in NAMES:
            if isinstance(rest.get(name), str):
                fields[name] = redactor.redact_string(rest[name], name)[0]
    envelope.update(fields)
    if isinstance(envelope.get("redactions"), int):
        envelope["redactions"] += sum(found.values())
    return found


def event_again(redactor: Redactor, event: Event) -> tuple[Event, Counter[str]]:
    """The spooled event with its envelope redacted again (the same event if nothing was found),
    and the secrets found, by rule; its names (session, tool) follow the envelope's."""
    try:
        envelope = loads(event.envelope)
    except (ValueError, RecursionError):
        return _not_json_again(redactor, event)
    if not isinstance(envelope, dict):
        return event, Counter()
    found = redact_fields(redactor, envelope)
    if not found:
        return event, found
    names = {
        field: envelope[key]
        for field, key in (("session", "session_id"), ("tool", "tool_name"))
        if isinstance(envelope.get(key), str)
    }
    raw = json.dumps(envelope, separators=(",", ":")).encode()
    return msgspec.structs.replace(event, envelope=raw, **names), found


def _not_json_again(redactor: Redactor, event: Event) -> tuple[Event, Counter[str]]:
    """A spooled envelope that is not JSON (hookd spools only JSON: a spool another program wrote,
    or bytes that changed under a valid checksum) is redacted as text, whole, and kept: the start's
    backlog pass ended in a traceback on it, and each restart again, so nothing behind it moved."""
    lines = _not_json_lines.ready("not_json")
    if lines is not None:
        log.warning(
            "spool_envelope_not_json",
            event_id=event.event_id,
            seq=event.seq,
            events=lines,
            hint="a spooled envelope is not JSON (not written by hookd, or damaged); it is redacted as text "
            "and published as it is",
        )
    text = event.envelope.decode("utf-8", "replace")
    redacted, found = redactor.redact(text)
    if not found:
        return event, found
    return msgspec.structs.replace(event, envelope=redacted.encode()), found
