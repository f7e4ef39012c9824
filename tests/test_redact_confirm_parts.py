"""A confirm split into parts (Rule.confirm_parts, scan.py) reports what the whole confirm reports, each end
once (a chunk's report budget counts every report), and each gated part's needs are in its every match; so
does the assignment trigger's split (rules._assigned_parts makes both)."""

from __future__ import annotations

import dataclasses
import functools
import random
from collections import Counter

import hyperscan
import pytest

from hookd.redact.rules import BUILTIN_RULES
from hookd.redact.scan import TriggerScan
from scan_reference import for_rules

SPLIT = [rule for rule in BUILTIN_RULES if rule.confirm_parts]
ASSIGNMENT = next(rule for rule in BUILTIN_RULES if rule.name == "secret_assignment")
# Per split: the whole pattern and its parts.
WHOLES = [(rule.confirm, rule.confirm_parts) for rule in SPLIT] + [(ASSIGNMENT.trigger, ASSIGNMENT.trigger_parts)]
# What the assignment confirm is made of (names, quotes, every kind of space, colons, values and type
# names), and near misses.
PIECES = [
    "password",
    "PASSWORD",
    "secret",
    "token",
    "api_key",
    "DB_PASS",
    "x-pat",
    ";pwd",
    "bypass",
    "auth",
    "'auth'",
    '\\"auth\\"',
    "'",
    '\\"',
    '"',
    " ",
    "  ",
    "\t",
    "\\t",
    "\\T",
    "\u00a0",
    "\u2003",
    "\u3000",
    "\\u00a0",
    "\\U00A0",
    "\\u2003",
    "\\u0041",
    ":",
    "=",
    ":=",
    "str",
    "string",
    " str ",
    "int = 1",
    "SecretStr",
    "x1",
    "Pw1",
    "the ",
    "reset the ",
    ", ",
    ") ",
    "\n",
    "\\n",
    "\\\\",
    "x",
]


@functools.cache
def texts() -> tuple[str, ...]:
    rng = random.Random(53)
    found = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))) for _ in range(4000)]
    # every name form before the colon: quote, then zero to two spaces of every kind, then a value's start
    spaces = ["", " ", "\t", "\\t", "\u00a0", "\\u00a0", "\u2003", "\\u3000"]
    found += [
        f"{before}{name}{quote}{first}{second}{sign}{after}"
        for before in ("", "x", "the ", "\\n")
        for name in ("password", "Api_Key", "'auth'", '\\"auth\\"', "x_pass")
        for quote in ("", "'", '\\"')
        for first in spaces
        for second in spaces
        for sign in (":", "=", "?=", "+=")  # and Make's (h73)
        for after in (" v1", "str", " str", '\\"v1', "=1", "")
    ]
    return tuple(found)


@functools.cache
def database(patterns: tuple[str, ...]) -> hyperscan.Database:
    compiled = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    compiled.compile(
        expressions=[p.encode() for p in patterns],
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=[0] * len(patterns),
    )
    return compiled


def ends(patterns: tuple[str, ...], text: str) -> Counter[int]:
    """Per end, how many of the patterns report there."""
    return scanned(patterns, text)[0]


def scanned(patterns: tuple[str, ...], text: str) -> tuple[Counter[int], set[int]]:
    """Per end, how many of the patterns report there; and which of them (their places) report at all."""
    found: Counter[int] = Counter()
    reporting: set[int] = set()

    def collect(number: int, _start: int, end: int, _flags: int, _context: object) -> None:
        found[end] += 1
        reporting.add(number)

    database(patterns).scan(text.encode(), match_event_handler=collect)
    return found, reporting


@pytest.mark.parametrize(("whole", "split"), WHOLES, ids=["confirm", "trigger"])
def test_the_parts_report_each_end_of_the_whole_once(whole, split):
    parts = tuple(part for part, _ in split)
    # one scan of the parts' database a text: its ends, and which parts report in it (a part's own
    # database reports there exactly when its id does in theirs)
    per_text = [(text, ends((whole,), text), *scanned(parts, text)) for text in texts()]
    differ = [text for text, whole_ends, part_ends, _ in per_text if whole_ends != part_ends]
    assert not differ, differ[:5]
    reached = sum(len(reporting) for *_, reporting in per_text)  # (part, text) pairs where the part reports
    assert reached > 1000  # the texts do reach the confirm
    unreached = [part for at, part in enumerate(parts) if not any(at in reporting for *_, reporting in per_text)]
    assert not unreached, unreached  # and every part of it


@pytest.mark.parametrize("split", [split for _, split in WHOLES], ids=["confirm", "trigger"])
def test_a_gated_part_s_every_match_holds_its_needs(split):
    for part, group in split:
        if not group:
            continue
        for text in texts():
            for end in ends((part,), text):
                head = text.encode()[:end]
                assert all(ends((need,), head.decode("utf-8", "replace")) for need in group), (part, text)


def test_the_scanner_reports_what_the_whole_confirm_reports():
    """With the parts (some gated) the scanner's reports, confirms and dense chunks are those of the
    whole triggers and confirm in the main database, on the texts and on long texts of them that cross chunk borders."""
    parted = [at for at, rule in enumerate(BUILTIN_RULES) if rule.confirm_parts or rule.trigger_parts]
    whole = TriggerScan(
        [dataclasses.replace(BUILTIN_RULES[at], confirm_parts=(), trigger_parts=()) for at in parted]
    )  # the rules made whole alone: tests/scan_reference.py
    split = TriggerScan(BUILTIN_RULES)
    rng = random.Random(54)
    many = list(texts())
    long = ["\\n".join(rng.sample(many, 500)) for _ in range(8)]
    confirmed = 0
    for text in many + long:
        expected = whole.scan(text, limit=None)
        assert for_rules(split.scan(text, limit=None), parted) == expected, text
        confirmed += sum(map(len, expected[3].values()))
    assert confirmed > 1000
