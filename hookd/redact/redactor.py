"""Running the rules over a payload: cheap keyword checks first, one pass per rule that may apply.

The payload's JSON text is redacted as it is, without decoding and
re-encoding it, so everything that is not a secret stays byte for byte.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import ahocorasick

from hookd.redact.rule import Rule

REDACTED_PREFIX = "[REDACTED:"


class Redactor:
    def __init__(self, rules: Iterable[Rule], allow: Iterable[str] = ()) -> None:
        self.rules = tuple(rules)
        self.allow = tuple(re.compile(pattern) for pattern in allow)
        self._gate = KeywordGate(self.rules)

    def redact(self, text: str) -> tuple[str, Counter]:
        """The text with every secret replaced by its rule's marker, and the count per rule."""
        counts: Counter = Counter()
        # Keywords only gate the rules: found once, before any replacement (a marker
        # never brings a secret's keyword back).
        present = self._gate.present(text)
        for rule in self.rules:
            if rule.keywords and not present.intersection(rule.keywords):
                continue
            text, replaced = self._apply(rule, text)
            if replaced:
                counts[rule.name] += replaced
        return text, counts

    def _apply(self, rule: Rule, text: str) -> tuple[str, int]:
        pieces: list[str] = []
        last = replaced = 0
        for match in rule.compiled.finditer(text):
            start, end = match.span(rule.group)
            if start < 0 or end <= start:
                continue
            value = text[start:end]
            if value.startswith(REDACTED_PREFIX) or self._allowed(value) \
                    or (rule.validate is not None and not rule.validate(value)):
                continue
            pieces += (text[last:start], rule.marker)
            last = end
            replaced += 1
        if not replaced:
            return text, 0
        pieces.append(text[last:])
        return "".join(pieces), replaced

    def _allowed(self, value: str) -> bool:
        return any(pattern.search(value) for pattern in self.allow)


class KeywordGate:
    """Which rules' keywords occur in a text, found in one pass per case (Aho-Corasick).

    Scanning for each keyword separately costs a pass over the text per keyword
    (about 95 of them); one automaton finds them all in one pass. Single
    characters (the card rule's digits) would match everywhere and are checked
    directly instead.
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._exact = ahocorasick.Automaton()
        self._folded = ahocorasick.Automaton()
        self._chars: list[tuple[str, bool]] = []
        for rule in rules:
            for keyword in rule.keywords:
                if len(keyword) == 1:
                    self._chars.append((keyword, rule.ignore_case_keywords))
                else:
                    automaton = self._folded if rule.ignore_case_keywords else self._exact
                    automaton.add_word(keyword, keyword)
        self._has = {name: len(a) > 0 for name, a in (("exact", self._exact), ("folded", self._folded))}
        for automaton in (self._exact, self._folded):
            if len(automaton):
                automaton.make_automaton()

    def present(self, text: str) -> set[str]:
        lower = text.lower() if self._has["folded"] or any(fold for _, fold in self._chars) else text
        found = {char for char, fold in self._chars if char in (lower if fold else text)}
        if self._has["exact"]:
            found.update(keyword for _, keyword in self._exact.iter(text))
        if self._has["folded"]:
            found.update(keyword for _, keyword in self._folded.iter(lower))
        return found
