"""Triggers that start at a secret word and check the rest of their context in Python, or that are split
by what follows the word, report what the whole context trigger reported: the restructure changes what
Hyperscan starts at each occurrence of the word, never what is found."""

from __future__ import annotations

import functools
import random

import hyperscan

from hookd.redact import jsonkeys
from hookd.redact.rules import BUILTIN_RULES

# The JSON-key trigger as it was, reading the whole key from its opening quote (before the split).
_PREFIXES = "api|private|secret|access|signing|encryption|client|master|app|account|application|subscription"
WHOLE_KEY_TRIGGER = (
    r'(?:^|[^\\])"(?:[A-Za-z0-9_.-]*(?i:pass(?:word|wd|phrase)|secret|token|credentials?'
    rf"|(?:{_PREFIXES})[_.-]?key)"
    r"|[A-Za-z0-9_.-]{0,60}[_.-](?i:pass|pwd)"
    r"|(?:[A-Za-z0-9_.-]{0,60}[_.-])?(?i:auth|authorization|cookie)"
    r"|[a-z0-9]{1,60}(?:Pass|Pwd|Auth|Authorization|Cookie)"
    r'|(?i:pass|pwd))"\s{0,4}:\s{0,4}"[^"]'
)
PIECES = [
    '"',
    '\\"',
    "\\",
    ":",
    " ",
    "  ",
    "\t",
    "\n",
    "=",
    "'",
    "x",
    "Ab",
    "_",
    "-",
    ".",
    "a b",
    "password",
    "Passwd",
    "passphrase",
    "secret",
    "TOKEN",
    "credential",
    "s",
    "api",
    "key",
    "Key",
    "_key",
    "access",
    "application",
    "Subscription",
    "pass",
    "Pass",
    "pwd",
    "PWD",
    "auth",
    "Auth",
    "orization",
    "cookie",
    "Cookie",
    "db",
    "9",
    "é",
    "\u017f",  # ſ: a letter Python's caseless matching takes for s, and Hyperscan's does not
    "\u00a0",
    "\\u00a0",
]


@functools.cache
def texts() -> tuple[str, ...]:
    rng = random.Random(44)
    pieces = PIECES + ['": "', '":"', '" :  "', '"\t:"'] * 6  # the separators, often
    found = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(6000)]
    found += [
        '{"password": "hunter2"}',
        '{"a": {"client_secret" :  "cs"}}',
        '{"X-Api-Key": "k", "dbPass": "p", "cwd": "/x", "bypass": "n"}',
        '\\"token\\": \\"x\\"',
        '"' + "f" * 60 + 'encryption_key"    :    "k3y"',
        '"' + "f" * 61 + '_pwd": "x"',
        '"a b token": "x"',
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


def ends(patterns: tuple[str, ...], text: str) -> set[int]:
    """Where the patterns' matches end, in characters."""
    data = text.encode()
    found: set[int] = set()

    def collect(_id: int, _start: int, end: int, _flags: int, _context: object) -> None:
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a character cut at the end counts whole
            end += 1
        found.add(len(data[:end].decode()))

    database(patterns).scan(data, match_event_handler=collect)
    return found


def test_the_json_key_trigger_and_its_check_report_what_the_whole_key_trigger_reports():
    differ = []
    reported = 0
    for text in texts():
        expected = ends((WHOLE_KEY_TRIGGER,), text)
        got = {end for end in ends((jsonkeys.KEY_TRIGGER,), text) if jsonkeys.key_ok(text, end)}
        reported += len(expected)
        if got != expected:
            differ.append(text)
    assert not differ, differ[:5]
    assert reported > 200  # the texts do reach the trigger


def test_the_rule_uses_the_word_trigger():
    rule = next(rule for rule in BUILTIN_RULES if rule.name == "json_secret_key")
    assert rule.trigger == jsonkeys.KEY_TRIGGER and rule.trigger_check is jsonkeys.key_ok
