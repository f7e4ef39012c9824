"""Wrappers' inner redaction spends the outer text's budget (hookd/redact/nested.py).

A candidate of a rule with ``unwrap`` is taken only when its decoded text holds a secret, which costs a
redaction of that text. Each such redaction had a budget of its own, so a chunk of wrappers could confirm
CONFIRM_LIMIT candidates per wrapper in it: base64 of a 20-line .env file repeated confirmed ~35,000
candidates per MiB (0.85 MB/s), and entity-encoded `password=/<1 KiB>` runs (the fifteenth hunt's worst)
1,823 inner redactions per MiB. Now every candidate confirmed at any depth counts once against the outer
text's chunk the wrapper starts in, so the whole stays within the outer text's limits. Counted by
candidates confirmed, not wall time (bench/README.md has the MB/s).
"""

from __future__ import annotations

import base64
import random
import re

import pytest

from hookd.redact import build_redactor
from hookd.redact.budget import CONFIRM_LIMIT, CONFIRM_SPARE
from hookd.redact.redactor import Redactor
from hookd.redact.rules import BUILTIN_RULES
from hookd.redact.scan import CHUNK

SIZE = 512 << 10


class Counting(Redactor):
    """The built-in redactor, counting the candidates it confirms at every depth: a candidate is a place
    in a text (the payload, or text decoded from a wrapper), however many rules take it there."""

    def __init__(self) -> None:
        super().__init__(BUILTIN_RULES)
        self.places: set[tuple[int, int]] = set()
        self.texts: dict[int, str] = {}  # kept alive, so that no two texts share an id

    def _take(self, index, rule, match, *rest):  # type: ignore[no-untyped-def]
        self.texts[id(match.string)] = match.string
        self.places.add((id(match.string), match.start()))
        return super()._take(index, rule, match, *rest)


def alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(n))


def env_flood(size: int = SIZE) -> tuple[str, list[str]]:
    """Base64 runs of .env files, 20 fresh passwords each, one run a line: every run holds candidates."""
    rng = random.Random(16)
    runs: list[str] = []
    while sum(len(run) + 1 for run in runs) < size:
        env = "".join(f"PASSWORD={alnum(rng, 12)}\n" for _ in range(20))
        runs.append(base64.b64encode(env.encode()).decode())
    return "\n".join(runs) + "\n", runs


def entity_flood(size: int = SIZE) -> str:
    """The fifteenth session's worst hunt input, its fresh pieces drawn here: an entity-encoded run whose
    decoded text holds `password=/` and a long value."""
    rng = random.Random(4)
    units: list[str] = []
    while sum(map(len, units)) < size:
        path = "/" + "/".join(rng.choice(["db", "name", "local", "admin", "test"]) for _ in range(6))
        units.append(f'ApiKey\\" chpasswd : {path}Z2xwYXQt&#112; -password=/{"a" * 1000}\n : {path}&#112;')
    return "".join(units)


def bound(text: str) -> int:
    return CONFIRM_LIMIT * (len(text) // CHUNK + 1) + CONFIRM_SPARE


@pytest.mark.parametrize("kind", ["env", "entities"])
def test_candidates_inside_wrappers_count_against_the_outer_texts_budget(kind):
    text = env_flood()[0] if kind == "env" else entity_flood()
    redactor = Counting()
    out, counts = redactor.redact(text)
    assert len(redactor.places) <= bound(text), (len(redactor.places), bound(text))
    assert counts


def test_a_wrapper_flood_fails_closed():
    text, runs = env_flood()
    out, counts = Counting().redact(text)
    assert "dense" in counts
    kept = set(re.findall(r"[A-Za-z0-9+/=]{16,}", out))
    assert not kept.intersection(runs)


def test_a_remembered_answer_costs_what_it_cost_first():
    """An inner redaction's answer is remembered with its cost and spent again, so a text is redacted the
    same whether its wrappers were seen before or not (else the warm run would confirm more and differ)."""
    redactor = build_redactor(True)
    assert redactor is not None
    text = env_flood(128 << 10)[0]
    redactor.forget()
    cold = redactor.redact(text)
    warm = redactor.redact(text)
    assert warm == cold


def test_one_wrapper_with_many_secrets_is_still_taken_whole():
    """Real text: a data: URL of a 100-line .env file confirms 100 inner candidates, past one chunk's
    limit, from the text's spare, and is redacted as the wrapper it is."""
    env = "".join(f"SERVICE_{i}_PASSWORD=x9Kq{i:03d}Lm8aQ\n" for i in range(100))
    text = f"see data:text/plain;base64,{base64.b64encode(env.encode()).decode()} for the settings"
    out, counts = Counting().redact(text)
    assert out == "see data:text/plain;base64,[REDACTED:data_url] for the settings", out
