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
from hookd.redact.budget import CONFIRM_LIMIT, Budget
from hookd.redact.prefilter import Prefilter
from hookd.redact.rules import BUILTIN_RULES
from hookd.redact.scan import CHUNK

RULES = {rule.name: rule for rule in BUILTIN_RULES if rule.prefilter}
ALPHABETS = {
    "pgpass_password": [*"ab.-*:0123456789 \t\\n\"'xyZ=,;$[é\u2003?@", "\\n", "db.x.com:5432:", "pw1", " h:1:d:u:p "]
    + ["x" * 70],
    "pgpass_line": [*"ab.-*:0123456789 \t\\n\"'xyZ=,;$[é\u2003?@", "\\n", "\\\\:", "db.x.com:5432:", "h:*:", "*:*:"]
    + [":6432:", "pw1", " h:5432:d:u:p ", "x" * 70],
    "encoded_secret": [*'aZf09+/_-= \\nrt"[é\u2003', "\\n", "QUFB", "Z2hwX", "0123456789abcdef", "sha512-", "AAAA"]
    + ["abcdefghijkl" * 3],
    # The pieces of its alternatives, whose places are reported at themselves (right after a lone backslash too)
    "tool_password_argument": [*"ab1 \t\\\"',:(){}é\u2003\x1c-_", "\\n", '\\"', "createUser", "updateUser"]
    + ["changeUserPassword", "rabbitmqctl", "wpa_passphrase", " add_user ", " change_password ", "pwd", "pwd: "]
    + ["({", "({ ", "( ", "bob", "secret1", "createUser({pwd: ", "changeUserPassword(bob, ", "wpa_passphrase a "]
    + ["rabbitmqctl add_user bob "],
    "oracle_connect_password": [*"ab1 \t\\\"'/@-_.$#é\u2003\x1c\u017f", "\\n", '\\"', "sqlplus", "rman", "expdp"]
    + [" target", " TARGET ", " -S", "userid=", "USERID=", "sqlplus scott/", "rman target a/", "tiger", '\\"a/'],
    "pgbouncer_auth_line": [*"ab1 \t\\\"\n\r'é\u2003", "\\n", "\\r", '\\"', '"bob" ', '\\"bob\\" \\"', "md5", "pw1"]
    + ['"a" "Pw1x"', '\n"a" "Pw1x"', '\\n\\"a\\" \\"Pw1x\\"', "userlist", " \t "],
    "ppp_secret_line": [*"ab1 \t\\\"\n\r'#*-.é\u2003", "\\n", "\\r", "\\t", '\\"', "bob ", "* ", "Pw1x", "10.0.0.2"]
    + ["\nbob * Pw1x *\n", '\\n\\"a\\" * \\"Pw1x\\" 10.0.0.2', "chap-secrets"],
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
        ("pgpass_line", "*:*:*:"),
        ("pgpass_line", "a:5432:b:c:"),
        ("tool_password_argument", "createUser({ "),
        ("oracle_connect_password", "rman target "),
        ("pgbouncer_auth_line", "userlist "),
        ("pgbouncer_auth_line", '\\" \\"md5'),
    ):
        rule = RULES[name]
        assert rule.prefilter is not None
        text = unit * 4000
        assert Prefilter(*rule.prefilter).starts(text, 0, len(text), len(text)) == []


def _redactor_loop(compiled, text: str, low: int, high: int, budget: Budget) -> list[tuple[int, int]]:
    """The redactor's loop without a prefilter (windows.read_stretch): finditer, a refused match skips the
    run of dense chunks."""
    spans = []
    while low < high:
        for match in compiled.finditer(text, low, high):
            if budget.spend(match.start()):
                spans.append(match.span())
                continue
            low = budget.past(match.start())
            break
        else:
            break
    return spans


@pytest.mark.usefixtures("no_spare")
@pytest.mark.parametrize("name", sorted(ALPHABETS))
def test_with_a_budget_a_prefilter_confirms_what_the_redactor_loop_does(name):
    """Dense chunks from the scan skipped, chunks going dense as candidates are confirmed, floods running
    on after a dense chunk (the regex reads their first piece): the same matches, the same dense chunks."""
    rule, alphabet = RULES[name], ALPHABETS[name]
    assert rule.prefilter is not None
    finder = Prefilter(*rule.prefilter)
    rng = random.Random(f"budget {name}")
    line = {
        "pgpass_password": " h:5432:d:u:pw1 ",
        "pgpass_line": " h:5432:d:u:pw1 ",
        "encoded_secret": " QUFBQUFBQUFBQUFBQUFB ",
        "tool_password_argument": " createUser({pwd: 'secret1'}) ",
        "oracle_connect_password": " sqlplus scott/tiger1@orcl ",
        "pgbouncer_auth_line": '\n"bob" "pw1x"\n',
        "ppp_secret_line": "\nbob * pw1x *\n",
    }[name]
    went_dense = 0
    for _ in range(40):
        parts = []
        while sum(map(len, parts)) < 40_000:
            if rng.random() < 0.5:
                parts.append(line * rng.randint(1, 400))
            else:
                parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 2000))))
        text = "".join(parts)
        low = rng.randint(0, 5000)
        high = rng.randint(len(text) - 5000, len(text))
        dense = [chunk for chunk in range(len(text) // CHUNK + 1) if rng.random() < 0.2]
        want_budget, got_budget = Budget(dense, CONFIRM_LIMIT), Budget(dense, CONFIRM_LIMIT)
        want = _redactor_loop(rule.compiled, text, low, high, want_budget)
        got = [m.span() for m in finder.matches(rule.compiled, text, low, high, got_budget)]
        assert got == want
        assert got_budget.dense == want_budget.dense
        went_dense += len(want_budget.dense) > len(dense)
    assert went_dense > 10  # the confirmations made chunks dense
