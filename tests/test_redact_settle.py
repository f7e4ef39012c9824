"""Candidates' checks wait for the budget to settle (settle.py): a dense run's candidates are not checked,
and the output is the same as with every candidate checked.

The worst input of the sixteenth hunt (bench/README.md) confirmed 45 secret_assignment candidates in each of
its 128 chunks, and then the other rules' candidates made 121 of them dense: 5,793 checks, of which the
output used 281. The checks are counted here (the calls of the value check every secret_assignment
candidate gets), not timed; bench/README.md has the time.
"""

from __future__ import annotations

import base64
import json
import random
import string

import hookd.redact.redactor as redactor_module
import hookd.redact.rules as rules_module
from hookd.redact.budget import CONFIRM_LIMIT, CONFIRM_SPARE
from hookd.redact.redactor import Redactor
from hookd.redact.rules import BUILTIN_RULES
from hookd.redact.scan import CHUNK

ENGINE = Redactor(BUILTIN_RULES)
B64 = string.ascii_letters + string.digits + "+/"


def _b64(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(B64, k=n))


def worst(size: int, seed: int = 7) -> str:
    """The hunt's worst unit (bench/README.md), its values drawn afresh at each repetition."""
    rng = random.Random(seed)
    units: list[str] = []
    total = 0
    while total < size:
        unit = (
            f"password = {_b64(rng, 128)}<<<41534941{_b64(rng, 128)}password = "
            f"{''.join(rng.choices(string.digits, k=40))}name: DB_PASSWORD\n value: {_b64(rng, 4)}<<<"
        )
        units.append(unit)
        total += len(unit)
    return "".join(units)[:size]


def test_a_dense_runs_candidates_are_not_checked(monkeypatch):
    calls = []
    check = rules_module.assigned_value_ok
    monkeypatch.setattr(rules_module, "assigned_value_ok", lambda match: calls.append(1) or check(match))
    text = worst(1 << 20)
    _, budget = ENGINE._find(text, ENGINE._triggers.scan(text), 0)
    assert budget is not None
    chunks = -(-len(text) // CHUNK)
    runs = budget.runs(len(text))
    assert len(budget.dense) > chunks // 2  # the flood goes dense, as in the hunt
    # What the chunks left open may confirm, and near each run's end (settle.MARGIN) a candidate or two.
    assert len(calls) <= (chunks - len(budget.dense)) * CONFIRM_LIMIT + CONFIRM_SPARE + 4 * len(runs)


def _eager(pending, found, budget, length, confirm) -> None:
    """The order before settle.py: every candidate checked."""
    found += [(start, end, index) for start, end, index, match in pending if confirm(index, match, start, end)]


def _piece(rng: random.Random) -> str:
    """Floods that go dense, next to secrets and escapes that a dense run's stretch may end beside."""
    kind = rng.randrange(9)
    if kind == 0:
        return "".join(f"password = {_b64(rng, rng.choice([12, 40, 128]))}\n" for _ in range(rng.randrange(20, 400)))
    if kind == 1:
        return worst(rng.randrange(2000, 30000), rng.randrange(1000))
    if kind == 2:  # a long value that may run past a run's end
        return f'\ntoken = "{_b64(rng, rng.randrange(100, 3000))}"\n'
    if kind == 3:  # backslashes and escapes right where a span may end
        return "\\" * rng.randrange(1, 70) + rng.choice(['"', "u0041", "n", "x"]) + f" secret={_b64(rng, 20)}\\n"
    if kind == 4:  # a wrapper, whose inner redaction spends the budget in order
        inner = f"DB_PASSWORD={_b64(rng, 16)}\nAPI_TOKEN={_b64(rng, 24)}\n"
        return " " + base64.b64encode(inner.encode()).decode() + " "
    if kind == 5:
        return " the build finished and nothing changed " * rng.randrange(1, 200)
    if kind == 6:  # two rules' finds starting at one place (merging keeps the earlier rule's)
        return f"password = ghp_{''.join(rng.choices(string.ascii_letters + string.digits, k=36))}\n"
    if kind == 7:  # a long escaped value
        return f'"token": "{_b64(rng, rng.randrange(50, 400)).replace("A", chr(92) + "u0041")}",\n'
    return f"ghp_{''.join(rng.choices(string.ascii_letters + string.digits, k=36))} api_key: {_b64(rng, 32)} "


def test_the_output_is_the_same_as_with_every_candidate_checked(monkeypatch):
    rng = random.Random(16)
    texts = []
    for _ in range(40):
        text = "".join(_piece(rng) for _ in range(rng.randrange(4, 14)))
        texts.append(text)
        texts.append(json.dumps({"tool_response": {"stdout": text}}))
    settled = [ENGINE.redact(text) for text in texts]
    monkeypatch.setattr(redactor_module, "settled", _eager)
    eager = [ENGINE.redact(text) for text in texts]
    assert any(counts["dense"] for _, counts in eager)  # the floods did go dense
    for text, after, before in zip(texts, settled, eager):
        assert after == before, text[:200]


def test_a_dense_runs_candidate_is_checked_where_a_later_rules_find_starts_with_it(monkeypatch):
    """`password = AKIA<16>:<8>:<8>...` inside a dense run near its end: aws_access_key_id's key and
    secret_assignment's longer value start at one place, and merging keeps the earlier rule's, dropping the
    value that runs past the run's stretch (a `:` ends it in plain text). Left unchecked, the key would let
    the value through and the output would change: they are one cluster, and the value is not buried."""
    rng = random.Random(1)
    flood = worst(200_000)
    texts = []
    for back in range(160, 560, 40):  # the line's start, before the end of the run of chunks 11 and before
        key = "AKIA" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=16))
        line = f"password = {key}:" + ":".join("".join(rng.choices(B64[:62], k=8)) for _ in range(60)) + "\n"
        texts.append(flood[: 12 * CHUNK - back] + "\n" + line + " the build finished and nothing changed " * 400)
    settled = [ENGINE.redact(text) for text in texts]
    monkeypatch.setattr(redactor_module, "settled", _eager)
    for text, after in zip(texts, settled):
        before = ENGINE.redact(text)
        assert before[1]["dense"]
        assert after == before
