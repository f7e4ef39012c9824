"""Redaction's work is bounded by the text's length, however many keywords the text holds.

A rule's regex is handed only stretches of text (merged windows around its
keyword chunks or trigger matches, or the value after a context trigger), and
the redactor counts, per rule, the characters it hands over (``examined``).
Fed each rule's keywords repeated (512 KiB: 64 chunks, and the windows and
the budget are per chunk), no rule may be handed more than twice the text's
length and its own reach (a stretch is handed once; a value read after a
context also counts the character that ends it). Most of those floods are
dense and redacted in bulk; the floods that are read whole, rule by rule
(the issue's `curl ` and `mysql `, and those whose regex is handed every
character), and one of every rule's keywords at once, are 8 MiB. Before this
count existed, the command-line rule read 300 characters after every "curl "
(3 s for 1 MB): 60 times the text.
Wall time is measured by bench/redaction.py, not here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hookd.redact import build_redactor
from hookd.redact.budget import CONFIRM_SPARE
from hookd.redact.scan import CHUNK
from hookd.redact.rules import BUILTIN_RULES

FLOODS = json.loads((Path(__file__).parent / "redaction_corpus" / "floods.json").read_text())
SIZE = 512 << 10  # per rule
LARGE = 8 << 20  # the one flood at the size issue 16 names
REDACTOR = build_redactor(True)


def units(rule) -> list[str]:
    listed = FLOODS["keywords"].get(rule.name)
    if listed:
        return listed
    return [keyword + " " for keyword in rule.keywords] + list(rule.keywords)


def flood(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def assert_linear(text: str) -> None:
    REDACTOR.examined.clear()
    out, _ = REDACTOR.redact(text)
    for rule in REDACTOR.rules:
        handed = REDACTOR.examined[rule.name]
        # Past the chunks' limits, CONFIRM_SPARE more candidates (dense.py), each read to its reach: a constant.
        spare = CONFIRM_SPARE * (rule.reach or CHUNK)
        assert handed <= 2 * len(text) + 2 * (rule.reach or 0) + 4096 + spare, (rule.name, handed, len(text))


@pytest.mark.parametrize("rule", BUILTIN_RULES, ids=lambda rule: rule.name)
def test_a_rules_keywords_repeated_cost_no_more_than_the_text(rule):
    text = flood(" ".join(units(rule)) + " ", SIZE)
    assert_linear(text)


# Not dense: every chunk is read rule by rule (curl/mysql were 300 characters read per keyword once).
READ_WHOLE = ["curl ", "mysql ", "PRIVATE KEY ", "Z2hwX ", "pgpass ", "secret_"]


@pytest.mark.parametrize("unit", [*READ_WHOLE, None], ids=[*READ_WHOLE, "every rule's keywords"])
def test_floods_repeated_to_8_mib_cost_no_more_than_the_text(unit):
    every = " ".join(keyword for rule in BUILTIN_RULES for keyword in units(rule)) + " "
    assert_linear(flood(unit or every, LARGE))


def test_a_flood_of_line_continuations_after_a_sign_costs_no_more_than_the_text():
    """Each continuation is read as nothing by the view (issue 16): a name's sign before every one, as written in a
    payload's string (an escaped backslash and break) and one JSON level down."""
    for unit in ("A=\\\\\\n", "PASS\\\\\\nWORD=\\\\\\n", "-p\\\\\\\\\\\\n"):
        assert_linear(flood(unit, 1 << 20))


@pytest.mark.parametrize("name", sorted(FLOODS["keywords"]))
def test_each_listed_flood_alone_costs_no_more_than_the_text(name):
    for unit in FLOODS["keywords"][name]:
        assert_linear(flood(unit, 256 << 10))


@pytest.mark.parametrize("name", sorted(FLOODS["candidates"]))
def test_whole_secret_shapes_repeated_cost_no_more_than_the_text(name):
    """Every repetition is a candidate the rule must confirm; the work per character stays bounded."""
    for unit in FLOODS["candidates"][name]:
        assert_linear(flood(unit, 64 << 10))


@pytest.mark.timeout(20)
def test_a_check_reads_a_long_value_that_fails_at_its_end_once():
    """The regexes of the checks have one way to read a value: secret_argument's name test split a run of
    letters at every place when the value failed at its end (exponential: 24 letters and a digit took
    0.6 s, these 40 would take days). Found by bench/redaction_regex_sweep.py; the timeout is the test."""
    for letters in (40, 1000):
        text = "define('DB_PASSWORD', '" + "a" * letters + "1');"
        out, counts = REDACTOR.redact(text)
        assert counts["secret_argument"] == 1, out


# Tokens glued in a chain: each report ends on the next token's prefix (joints.py) and is read back to it.
JOINTED = [
    "AKIAED4JEJZM6FDP6VWL",
    "AKIAED4JEJZM6FDP6VWLdapiadc34aed3c4c929c72d96aaf0c061b51",
    "npm_" + "a1" * 18 + "sk-",
]


@pytest.mark.parametrize("unit", JOINTED)
def test_tokens_glued_in_a_chain_cost_no_more_than_the_text(unit):
    assert_linear(flood(unit, 256 << 10))
