"""A rule's prefilter finds every match its regex's finditer finds (prefilter.py).

Random text made of the pieces that decide the patterns (run characters, colons, escapes, quotes,
non-ASCII letters and spaces, lines that are or nearly are .pgpass entries, base64 and hex runs,
integrity hashes), cut at random stretches: the matches ``Prefilter.matches`` gives, with no budget,
are finditer's over the stretch, one for one. Also with tiny chunks and pieces, so that matches
straddle the pieces and the scan's end cuts runs and lines.
"""

from __future__ import annotations

import random

import pytest

from hookd.redact import prefilter
from hookd.redact.dense import Budget
from hookd.redact.prefilter import Prefilter
from hookd.redact.rules import BUILTIN_RULES

RULES = {rule.name: rule for rule in BUILTIN_RULES if rule.prefilter}
ALPHABETS = {
    "pgpass_password": [*"ab.-*:0123456789 \t\\n\"'xyZ=,;$[é\u2003?@", "\\n", "db.x.com:5432:", "pw1", " h:1:d:u:p "]
    + ["x" * 70],
    "encoded_secret": [*'aZf09+/_-= \\nrt"[é\u2003', "\\n", "QUFB", "Z2hwX", "0123456789abcdef", "sha512-", "AAAA"]
    + ["abcdefghijkl" * 3],
}


def test_the_rules_with_a_prefilter_are_those_the_floods_named():
    assert sorted(RULES) == sorted(ALPHABETS)


@pytest.mark.parametrize("pieces", ["as built", "tiny"])
@pytest.mark.parametrize("name", sorted(ALPHABETS))
def test_a_prefilter_finds_what_finditer_finds(name, pieces, monkeypatch):
    if pieces == "tiny":
        monkeypatch.setattr(prefilter, "CHUNK", 64)
        monkeypatch.setattr(prefilter, "PIECES", (8, 16, 40))
    rule, alphabet = RULES[name], ALPHABETS[name]
    assert rule.prefilter is not None
    finder = Prefilter(*rule.prefilter)
    rng = random.Random(f"{name} {pieces}")
    matches = 0
    for _ in range(400):
        length = rng.choice([rng.randint(0, 120), rng.randint(900, 3500)])
        text = "".join(rng.choice(alphabet) for _ in range(length))
        low = rng.randint(0, len(text) // 3)
        high = rng.randint(low, len(text))
        want = [m.span() for m in rule.compiled.finditer(text, low, high)]
        got = [m.span() for m in finder.matches(rule.compiled, text, low, high, Budget([], None))]
        assert got == want, (text, low, high)
        matches += len(want)
    assert matches > 1000  # the text made matches to find


def test_a_flood_of_the_keyword_reports_nothing():
    """What the prefilter is for: no place to try in a flood of fragments (bench/README, fourth pass)."""
    for name, unit in (
        ("pgpass_password", "pgpass "),
        ("pgpass_password", "~/.pgpass a:1:b:c: "),
        ("encoded_secret", "Z2hwX "),
    ):
        rule = RULES[name]
        assert rule.prefilter is not None
        text = unit * 4000
        assert Prefilter(*rule.prefilter).starts(text, 0, len(text), len(text)) == []
