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
from typing import TextIO

from hookd.config import Config
from hookd.envelope.again import redact_fields
from hookd.jsonl import loads
from hookd.redact import build_redactor
from hookd.replay.lines import Parsed, parse_line
from hookd.spool.event import Event


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
        found = redact_fields(redactor, envelope)
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
