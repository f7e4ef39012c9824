"""The netrc trigger is scanned only in chunks where some "password" has a value after it (a need scanned
LATER, files.NETRC_NEEDS): a flood of entries whose values cannot be read does not scan it, and the gate
loses no report (every match of the trigger ends with that need)."""

from __future__ import annotations

import dataclasses
import functools
import json
import random

from hookd.redact import build_redactor
from hookd.redact.rules import BUILTIN_RULES
from hookd.redact.scan import CHUNK, TriggerScan

SLOTS = [
    ["", " ", "x", "\\n", "\n", "_", '"', "é"],
    ["machine", "default", "machin", "MACHINE"],
    [" ", "\\n", "\t", "  ", "", "\\t "],
    ["a.b", "api.example.com", "localhost", "host", "a..b", ""],
    ["", " login x", "\\n\\tlogin bob", " account a", " login x account y", " login"],
    [" ", "\\n", "  ", "", "\\t"],
    ["password", "PASSWORD", "passwd", "password password"],
    [" ", "\\n", "\t", "", "         "],
    ["p1", ";", '\\"p1', "'p1", '"', "$x", "\\\\", "é", ""],
    ["", " ", "\\n", "\n"],
]


@functools.cache
def texts() -> tuple[str, ...]:
    rng = random.Random(49)
    return tuple("".join(rng.choice(slot) for slot in SLOTS) for _ in range(5000))


def netrc_reports(scanned: tuple, index: int) -> tuple:
    """One rule's part of a scan: the chunks holding its keywords, where its trigger and its confirm end."""
    return tuple(part.get(index) for part in (scanned[0], scanned[1], scanned[3]))


def test_the_netrc_gate_loses_no_report():
    """The gated rule among all the others (as hookd scans) against the rule alone without its gate:
    the gate changes only this rule's reports. A scanner of every rule with the gate off has no prebuilt
    database and is compiled afresh, which under load took longer than the suite's timeout allows."""
    rule = next(rule for rule in BUILTIN_RULES if rule.name == "netrc_password")
    index = BUILTIN_RULES.index(rule)
    ungated = TriggerScan([dataclasses.replace(rule, trigger_needs=())])
    gated = TriggerScan(BUILTIN_RULES)
    rng = random.Random(50)
    many = list(texts())
    long = [" ".join(rng.sample(many, 400)) for _ in range(6)]
    reported = 0
    for text in many + long:
        expected = netrc_reports(ungated.scan(text, limit=None), 0)
        assert netrc_reports(gated.scan(text, limit=None), index) == expected, text
        reported += len(expected[1] or ())
    assert reported > 150  # the texts do reach the trigger


def test_a_flood_of_unreadable_entries_does_not_scan_the_trigger(monkeypatch):
    engine = build_redactor(True)
    scanner = engine._triggers
    index = next(i for i, rule in enumerate(engine.rules) if rule.name == "netrc_password")
    scans: list[int] = []

    class Counting:
        def __init__(self, database, rule):
            self.database, self.rule = database, rule

        def scan(self, piece, **kwargs):
            if self.rule == index:
                scans.append(len(piece))
            return self.database.scan(piece, **kwargs)

    monkeypatch.setattr(scanner, "_gated", [(g, Counting(d, r), r) for g, d, r in scanner._gated])
    # An unreadable entry every 71 characters: 144 per scan window, under the flood guard's limit for
    # passw (past it the chunks would be dense, and no gate opened at all).
    flood = "machine a.b login x password ;\nmachine c.d login y\nmachine e.f login z\n" * (4 * CHUNK // 71)
    entry = "machine api.example.com login bob password Zq8vT3mW9x\n"
    out, counts = engine.redact(json.dumps({"stdout": flood + entry + flood}))
    assert counts == {"netrc_password": 1} and "Zq8vT3mW9x" not in out
    assert 1 <= len(scans) <= 2  # the chunk with the entry (and the next, whose overlap holds it)
