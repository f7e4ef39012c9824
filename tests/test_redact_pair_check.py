"""The name/value rule's trigger starts at the name's secret word; ``files.pair_ok`` checks the key and the
name's start before it in Python. Together they report exactly where the whole context
(``files.PAIR_CONTEXT``, the trigger as it was) ends: the split changes what Hyperscan scans, never what
the rule reads."""

from __future__ import annotations

import functools
import random

import hyperscan

from hookd.redact import build_redactor
from hookd.redact.files import PAIR_CONTEXT, PAIR_TRIGGER, PAIR_WIDTH, pair_ok

try:  # the regex parser's width of a pattern (Python 3.11 moved it)
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

PIECES = [
    "name",
    "Name",
    "NAME",
    "key",
    "Key",
    "apikey",
    "x",
    "_",
    "-",
    "- ",
    "DB_",
    "db.",
    "my/",
    "password",
    "PASSWORD",
    "passwd",
    "secret",
    "token",
    "credential",
    "credentials",
    "_pass",
    ".pwd",
    "api_key",
    "private-key",
    "signingkey",
    "value",
    "Value",
    "VALUE",
    "type",
    "Type",
    ": String",
    "SecureString",
    ":",
    " :",
    "  ",
    " ",
    "\t",
    "\n",
    "\\n",
    "\\t",
    "\\r",
    ",",
    '"',
    "'",
    '\\"',
    "\\\\",
    "v1",
    "Pw1",
    "$x",
    ";",
    "{",
    "}",
    "\u00a0",
    "é",
]


@functools.cache
def texts() -> tuple[str, ...]:
    rng = random.Random(47)
    found = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    # Pairs built slot by slot, each slot from its forms and near misses: most reach the trigger, many
    # the context.
    slots = [
        ["", "x", " ", "\\n", "\n", "_", "é", '"', "- "],
        ["name", "Key", "NAME", "nam", "key"],
        ["", '"', "'", '\\"', '\\\\\\"', "x"],
        [":", " : ", ":  ", "", "     :"],
        ["", '"', "'", '\\"'],
        ["", "DB_", "my.app/", "x" * 79, "x" * 81, "-", " "],
        ["PASSWORD", "token", "_pwd", "api-key", "secretkey", "pass", "credentials"],
        ["", '"', '\\"'],
        ["\\n ", "\n  ", ", ", " ", "", "\\n\\t- ", "\n" * 17, ",  -  "],
        ["", "type: String\\n ", 'Type": "SecureString", ', "type : x "],
        ["value", "Value", "VALUE", "valu"],
        ["", '"', '\\"', "'"],
        [":", " :", "  :", "   :", ":  ", "", ": "],
        ["", '"', "'", '\\"', " "],
        ["v", "Pw1", "$x", ";", '"', "\\", "é", ""],
    ]
    found += ["".join(rng.choice(slot) for slot in slots) for _ in range(4000)]
    found += [
        "- name: DB_PASSWORD\\n  value: Pw1",
        "- name: DB_PASSWORD\n  value: Pw1",
        '{"name": "API_TOKEN", "value": "v1"}',
        '{\\"name\\": \\"API_TOKEN\\", \\"value\\": \\"v1\\"}',
        "key: x_token\\n value : v1",
        "Name: DB_PASSWORD,  Value  :  v1",
        "name: api_key\\n  type: String\\n  value: v1",
        "apikey: x_token\\n value: v1",  # the key inside a word: no pair
        "password\\n value: v1",  # no key before the name: no pair
        "name: " + "x" * 81 + "token value: v1",  # a name too long before its word
        "name: " + "x" * 80 + "token value: v1",
        "éname: x_secret value: v1",
        "\\nkey: x_secret value: v1",
    ]
    return tuple(found)


@functools.cache
def database(pattern: str) -> hyperscan.Database:
    compiled = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    compiled.compile(expressions=[pattern.encode()], ids=[0], elements=1, flags=[0])
    return compiled


def ends(pattern: str, text: str) -> set[int]:
    """Where Hyperscan reports the pattern's matches ending, in characters (a character cut counted whole)."""
    data = text.encode("utf-8", "surrogatepass")
    found: set[int] = set()

    def collect(_id: int, _start: int, end: int, _flags: int, _context: object) -> None:
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end += 1
        found.add(len(data[:end].decode("utf-8", "surrogatepass")))

    database(pattern).scan(data, match_event_handler=collect)
    return found


def test_the_checked_trigger_reports_what_the_context_reports():
    differ = []
    reported = 0
    for text in texts():
        expected = ends(PAIR_CONTEXT, text)
        checked = {end for end in ends(PAIR_TRIGGER, text) if pair_ok(text, end)}
        reported += len(expected)
        if checked != expected:
            differ.append((text, sorted(expected), sorted(checked)))
    assert not differ, differ[:5]
    assert reported > 200  # the texts do reach the context


def test_the_check_refuses_reports_without_a_key():
    """The trigger alone reports a secret word's "value:" with no name key before it; the check does not
    take it (the test above would pass with a check that takes everything only if no text had one)."""
    text = "password\\n value: v1 and apikey: x_token value: v2"
    reports = sorted(ends(PAIR_TRIGGER, text))
    assert len(reports) == 2
    assert not any(pair_ok(text, end) for end in reports)


def test_the_check_reads_far_enough_back():
    assert sre_parse.parse(PAIR_CONTEXT).getwidth()[1] <= PAIR_WIDTH


def test_the_rule_redacts_pairs_and_leaves_the_rest():
    engine = build_redactor(True)
    pair = "- name: DB_PASSWORD\\n  value: Zq8vT3mW9x\\n"
    out, counts = engine.redact('{"stdout": "' + pair * 3 + "apikey: x_token value: Kp4rX7nQ2w" + '"}')
    assert counts == {"secret_name_value": 3}
    assert "Zq8vT3mW9x" not in out and "Kp4rX7nQ2w" in out
