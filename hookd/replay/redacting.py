"""Redacting a file's envelopes before `hookd replay --file` publishes them.

A file of envelopes is hookd's own output when it is an export or `tail --json`, already redacted;
but by the rules of the hookd that wrote it (an older table, the user's `redact_rules` of then), and
a file can come from anywhere. Everything that goes to Redis is redacted first, so each envelope
is redacted here with this config's settings, as the daemon redacts a payload: every field but
those that say which event it is (a redacted envelope is the same bytes, redacting it again).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, TextIO

from hookd.config import Config
from hookd.jsonl import loads
from hookd.redact import DENSE, build_redactor
from hookd.redact.dense import redact_in_bulk
from hookd.redact.redactor import Redactor
from hookd.replay.lines import Parsed, parse_line
from hookd.spool.event import Event

# What says which event an envelope is, and hookd's own counts: never a secret the sender wrote.
IDENTITY = frozenset({"v", "event_id", "seq", "host", "instance", "received_at", "sent_at", "redactions", "truncated"})
# Kept as the event's names when a dense stretch (hookd/redact/dense.py) takes every string.
NAMES = ("hook", "session_id", "tool_name")


def _redact_fields(redactor: Redactor, envelope: dict[str, Any]) -> Counter[str]:
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
                fields[name] = redactor.redact_string(rest[name])[0]
    envelope.update(fields)
    if isinstance(envelope.get("redactions"), int):
        envelope["redactions"] += sum(found.values())
    return found


def redact_events(config: Config, parsed: Parsed) -> tuple[Parsed, Counter[str]]:
    """The file's events with their envelopes redacted, and the secrets found by rule (none with
    `redact = false`: the user turned redaction off)."""
    redactor = build_redactor(config.redact, config.redact_disable, config.redact_allow, config.redact_rules)
    total: Counter[str] = Counter()
    if redactor is None:
        return parsed, total
    events: list[Event] = []
    for event in parsed.events:
        envelope = loads(event.envelope)
        found = _redact_fields(redactor, envelope)
        if found:
            total.update(found)
            event = parse_line(json.dumps(envelope, separators=(",", ":")).encode())
        events.append(event)
    return parsed._replace(events=events), total


def say_redacted(redacted: Counter[str], path: str, err: TextIO) -> None:
    rules = ", ".join(f"{rule} {n}" for rule, n in sorted(redacted.items()))
    print(
        f"hookd: {path} held secrets unredacted ({rules}); they are redacted before anything is "
        "published (an older hookd's rules, other redact_rules, or a file hookd did not write)",
        file=err,
    )
