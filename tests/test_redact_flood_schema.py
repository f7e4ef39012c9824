"""schema_secret_value's trigger counts the escapes before its field's quote among the object's members (issue 16,
h271): it had `\\\\{0,15}"` after the members' bounded class, which holds backslashes too, and Hyperscan kept states
alive at every quote of the members (the trigger alone 7.7 MB/s over a flood of `"password": {"type": "string",
"default": "<v>"}`; now 27-31). Hyperscan's work is not countable here: the test is that it reads every object the
former trigger read, on fuzzed text, and past it only a run of the members longer than 512 characters."""

from __future__ import annotations

import json
import random
import re

import hyperscan
import pytest

from hookd.redact import build_redactor, schemadefaults

REDACTOR = build_redactor(True)
_Q = schemadefaults._Q
# The former trigger: its members to 512 characters, then a quote after up to 15 backslashes.
FORMER = schemadefaults.trigger(r"[^{}]{0,512}(?:\{[^{}]{0,256}\}[^{}]{0,512})?" + _Q)
PIECES = [
    '"password": {',
    '\\"token\\": {',
    '\\\\\\"secret\\\\\\": {',
    '"type": "string", ',
    '"default": "',
    '\\"default\\": \\"',
    '\\\\\\"const\\\\\\": \\\\\\"',
    '"enum": ["',
    '"examples": [\\"',
    '"format": {"x": 1}, ',
    "{",
    "}",
    "]",
    '"',
    "\\",
    "\\\\\\\\\\\\\\",
    ", ",
    ": ",
    "Xq3vT9mLp2",
    "a" * 60,
    "description text " * 8,
]


def compiled(expression: str) -> hyperscan.Database:
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=[expression.encode()], ids=[0], flags=[0])
    return database


def ends(database: hyperscan.Database, text: str) -> set[int]:
    found: set[int] = set()

    def on(_id: int, _start: int, end: int, _flags: int, _context: object) -> None:
        found.add(end)

    database.scan(text.encode(), match_event_handler=on)
    return found


def test_it_reads_every_object_the_former_trigger_read_and_past_it_only_long_members():
    rng = random.Random(271)
    before, after = compiled(FORMER), compiled(schemadefaults.TRIGGER)
    extra_texts = 0
    for _ in range(600):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(4, 90)))
        former, now = ends(before, text), ends(after, text)
        assert former <= now, text
        if now - former:
            extra_texts += 1
            assert re.search(r"[^{}]{513}", text), text
    assert extra_texts  # the fuzz reaches the bound


@pytest.mark.parametrize("quote", ['"', '\\"'])
def test_a_property_with_long_members_before_its_default_is_read(quote):
    """Members of 513-527 characters (a long description) before the default: the former trigger stopped at 512."""
    members = f"{quote}description{quote}: {quote}" + "a" * (515 - 2 * len(quote) - 19) + f"{quote}, "
    text = f"{quote}password{quote}: {{{members}{quote}default{quote}: {quote}Xq3vT9mLp2Rk8s{quote}}}"
    payload = json.dumps({"tool_response": {"stdout": text}})
    assert REDACTOR is not None
    out, counts = REDACTOR.redact(payload)
    assert "Xq3vT9mLp2Rk8s" not in out and counts["schema_secret_value"] == 1
