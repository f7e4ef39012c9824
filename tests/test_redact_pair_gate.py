"""The name/value rule's parts without a Type field need the name's secret word with "value" after it
(files._WORD_NEED): a chunk of pairs whose names say nothing secret (Kubernetes env entries) does not
scan them, and the gate loses no report (each part's match holds the word and "value")."""

from __future__ import annotations

import dataclasses
import functools
import json
import random

import pytest

from hookd.redact import build_redactor
from hookd.redact.rule import Rule
from hookd.redact.rules import BUILTIN_RULES
from hookd.redact.scan import CHUNK, TriggerScan
from scan_reference import for_rules

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


def test_the_word_gate_loses_no_report():
    """The scanner reports for the name/value rule what that rule reports with its trigger whole and
    ungated, on pairs built slot by slot (forms and near misses) and on long texts of them that cross chunk
    borders (the reference holds that rule alone: tests/scan_reference.py)."""
    rule = next(rule for rule in BUILTIN_RULES if rule.name == "secret_name_value")
    index = BUILTIN_RULES.index(rule)
    ungated = TriggerScan([dataclasses.replace(rule, trigger_parts=())])
    gated = TriggerScan(BUILTIN_RULES)
    rng = random.Random(48)
    many = list(texts())
    long = ["\\n".join(rng.sample(many, 300)) for _ in range(6)]
    reported = 0
    for text in many + long:
        expected = ungated.scan(text, limit=None)
        assert for_rules(gated.scan(text, limit=None), [index])[:4] == expected[:4], text
        reported += len(expected[1].get(0, ()))
    assert reported > 200  # the texts do reach the trigger


def test_a_chunk_of_pairs_that_name_no_secret_does_not_scan_the_parts(monkeypatch):
    engine = build_redactor(True)
    scanner = engine._triggers
    index = next(i for i, rule in enumerate(engine.rules) if rule.name == "secret_name_value")
    scans: list[int] = []

    class Counting:
        def __init__(self, database, rule):
            self.database, self.rule = database, rule

        def scan(self, piece, **kwargs):
            if self.rule == index:
                scans.append(len(piece))
            return self.database.scan(piece, **kwargs)

    monkeypatch.setattr(scanner, "_gated", [(g, Counting(d, r), r) for g, d, r in scanner._gated])
    pairs = "- name: FOO\n  value: bar\n" * (4 * CHUNK // 24)  # JSON writes the newlines \\n
    secret = "- name: DB_PASSWORD\n  value: Zq8vT3mW9x\n"
    out, counts = engine.redact(json.dumps({"stdout": pairs + secret + pairs}))
    assert counts == {"secret_name_value": 1} and "Zq8vT3mW9x" not in out
    assert 1 <= len(scans) <= 2  # the chunk with the secret pair (and the next, whose overlap holds it)


@pytest.mark.usefixtures("no_spare")
def test_a_need_scanned_later_waits_for_its_group_and_is_not_counted():
    """scan.LATER: the need is scanned only where the rest of its group is found, and its report does not
    count towards the chunk's report budget."""
    rule = Rule(
        name="later_demo",
        replaces="a demo",
        pattern=r"\w+",
        trigger_parts=((r"abc=", ("xq", "(?#later)yq")),),
        anchored=True,
        reach=16,
    )
    scanner = TriggerScan([rule])
    assert scanner.scan("xq yq abc=v")[1] == {0: [10]}
    assert scanner.scan("yq abc=v")[1] == {}  # no xq: the part is not scanned
    assert scanner.scan("xq abc=v")[1] == {}  # no yq: the same
    # Two reports count (xq, abc=): within a budget of 2; the later need would make three.
    assert scanner.scan("xq yq abc=v", limit=2)[4] == []
    assert scanner.scan("xq yq abc=v", limit=1)[4] == [0]
