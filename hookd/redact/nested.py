"""Wrappers' inner redaction: the text a candidate decodes to, redacted on the outer text's budget.

A rule with ``unwrap`` (base64 or hex runs, data: URLs, HTML entities,
percent-encoding twice over) takes its candidate only when the decoded text
holds a secret, which the redactor answers by redacting that text (at most
MAX_DEPTH wrappers deep). The inner redaction's candidates are confirmed one
by one like the outer text's, so they spend from the outer text's budget
(dense.py): from the chunk the wrapper starts in, one per candidate it
confirms, one per chunk of decoded text it scans, and its own wrappers' alike.
A flood of wrappers that each hold candidates then costs what a flood of the
candidates would, bounded per chunk; a chunk that cannot afford a wrapper's
inside is dense and redacted in bulk (failing closed). A budget of its own
per wrapper would let a chunk confirm CONFIRM_LIMIT candidates per wrapper
in it (tests/test_redact_nested.py).

Answers are remembered per rule with what they cost: short values by
themselves, long ones by a digest. A remembered answer spends its cost again,
so a text's output does not depend on what came before it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from hookd.redact.budget import Budget
from hookd.redact.rule import Rule
from hookd.redact.scan import CHUNK

MAX_DEPTH = 2  # decoded text inside decoded text inside the payload
CACHE_SIZE = 4096  # per rule: answers remembered (then forgotten all at once)
SHORT = 256  # characters: a value up to this long is its own key; a longer one, its digest


class InnerBudget(Budget):
    """The budget of decoded text: what it confirms is spent from the outer budget's chunk at ``at``."""

    __slots__ = ("outer", "at", "charged", "exhausted")

    def __init__(self, outer: Budget, at: int) -> None:
        super().__init__((), outer.limit)
        self.outer, self.at = outer, at
        self.charged = 0  # confirmations' worth spent from the outer budget
        self.exhausted = False  # the outer budget refused: the answer is not the text's alone

    def _confirm(self, chunk: int) -> bool:
        if self.charge(chunk * CHUNK, 1):
            return True
        self.dense.add(chunk)  # the decoded text is redacted in bulk: the wrapper is taken whole
        return False

    def charge(self, at: int, cost: int) -> bool:
        if self.outer.charge(self.at, cost):
            self.charged += cost
            return True
        self.exhausted = True
        return False


# What the redactor's inner redaction gives: the decoded text's count of finds, on the budget given.
Redact = Callable[[str, int, InnerBudget], int]


class Unwrapper:
    """Per rule with ``unwrap``: whether a value's decoded text holds a secret, remembered."""

    def __init__(self, rules: Iterable[Rule], redact: Redact) -> None:
        self._redact = redact
        self._answers: list[dict[tuple[int, str | bytes], tuple[bool, int]]] = [{} for _ in rules]

    def forget(self) -> None:
        for answers in self._answers:
            answers.clear()

    def wraps_secret(self, index: int, rule: Rule, value: str, depth: int, budget: Budget, at: int) -> bool:
        """Whether the decoded ``value`` holds a secret, spending from ``budget`` at ``at`` (the
        candidate's start). No when the budget cannot afford it: the chunk is dense then."""
        answers = self._answers[index]
        key = (depth, value if len(value) <= SHORT else hashlib.blake2b(value.encode(), digest_size=16).digest())
        known = answers.get(key)
        if known is not None:
            ok, cost = known
            return (not cost or budget.charge(at, cost)) and ok
        ok, cost = self._answer(rule, value, depth, budget, at)
        if cost >= 0:
            if len(answers) >= CACHE_SIZE:
                answers.clear()
            answers[key] = (ok, cost)
        return ok

    def _answer(self, rule: Rule, value: str, depth: int, budget: Budget, at: int) -> tuple[bool, int]:
        """The answer and what it cost (-1: the budget ran out, the answer is not to be remembered)."""
        assert rule.unwrap is not None  # called only for rules that have one
        inner = rule.unwrap(value)
        if inner is None or depth + 1 > MAX_DEPTH:
            return False, 0
        scanned = 1 + len(inner) // CHUNK
        if not budget.charge(at, scanned):
            return False, -1
        inside = InnerBudget(budget, at)
        found = self._redact(inner, depth + 1, inside)
        if inside.exhausted:
            return False, -1
        return found > 0, scanned + inside.charged
