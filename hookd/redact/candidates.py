"""What a rule's match comes to: a candidate whose checks wait for the budget to settle (settle.py), or,
for a wrapper, a find once its inside holds a secret (nested.py); a window's end read on past it.
"""

from __future__ import annotations

import re

from hookd.redact.budget import Budget
from hookd.redact.nested import Unwrapper
from hookd.redact.rule import Rule
from hookd.redact.settle import Pending
from hookd.redact.validated import Validated

REDACTED_PREFIX = "[REDACTED:"
WINDOW_LOOKAHEAD = 16  # characters a rule's lookahead reads past its match
WINDOW_PAST = 8192  # characters a match at a window's end is read on past it (the longest value a rule takes)


class Candidates:
    """Part of ``Redactor`` (redactor.py), which makes these."""

    rules: tuple[Rule, ...]
    allow: tuple[re.Pattern[str], ...]
    _validated: Validated
    _unwrapper: Unwrapper

    def _take(
        self,
        index: int,
        rule: Rule,
        match: re.Match[str],
        found: list[tuple[int, int, int]],
        pending: list[Pending],
        depth: int,
        budget: Budget,
        joint: bool = False,
    ) -> None:
        """``joint``: the match ends where another token's prefix is glued (joints.py), which is its end."""
        if (
            match.endpos - WINDOW_LOOKAHEAD <= match.end()
            and match.endpos < len(match.string)
            and not rule.anchored
            and not joint
        ):
            # A window's end, read as the text's ($, \Z, after a lookahead's few characters), cut a token short
            # (OAuth2Author|ization.from): the regex again from the same place, on past it, takes it whole or not.
            end_at = min(len(match.string), match.endpos + WINDOW_PAST)
            again = rule.compiled.match(match.string, match.start(), end_at)
            if again is None:
                return
            match = again
        start, end = match.span(rule.group)
        if start < 0 or end <= start:
            return
        if rule.ends is not None:
            end = start + rule.ends(match.string[start:end])
        value = match.string[start:end]
        if value.startswith(REDACTED_PREFIX) or self.allow and self._allowed(value):
            return
        if rule.unwrap is None:
            pending.append((start, end, index, match))
        elif self._confirmed(index, match, start, end) and self._unwrapper.wraps_secret(
            index, rule, value, depth, budget, match.start()
        ):
            found.append((start, end, index))

    def _confirmed(self, index: int, match: re.Match[str], start: int, end: int) -> bool:
        """The rule's validation and check of its candidate (the value at ``start``-``end``) pass."""
        rule = self.rules[index]
        if rule.validate is not None and not self._validated.valid(index, rule.validate, match.string[start:end]):
            return False
        return rule.check is None or rule.check(match)

    def _allowed(self, value: str) -> bool:
        return any(pattern.search(value) for pattern in self.allow)
