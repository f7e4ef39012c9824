"""Running the rules over a payload: cheap keyword checks first, one pass per rule that may apply.

The payload's JSON text is redacted as it is, without decoding and
re-encoding it, so everything that is not a secret stays byte for byte.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from hookd.redact.rule import Rule

REDACTED_PREFIX = "[REDACTED:"


class Redactor:
    def __init__(self, rules: Iterable[Rule], allow: Iterable[str] = ()) -> None:
        self.rules = tuple(rules)
        self.allow = tuple(re.compile(pattern) for pattern in allow)
        self._needs_lower = any(rule.ignore_case_keywords for rule in self.rules)

    def redact(self, text: str) -> tuple[str, Counter]:
        """The text with every secret replaced by its rule's marker, and the count per rule."""
        counts: Counter = Counter()
        # Keywords only gate the rules: a lower-cased copy taken once is enough, even
        # after replacements (a marker never brings a secret's keyword back).
        lower = text.lower() if self._needs_lower else ""
        for rule in self.rules:
            if rule.keywords:
                haystack = lower if rule.ignore_case_keywords else text
                if not any(keyword in haystack for keyword in rule.keywords):
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
