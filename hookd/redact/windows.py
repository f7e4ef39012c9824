"""Where a rule's regex reads, and how the finds of all rules become the spans to replace.

A keyword rule reads the stretches around the chunks its keywords are in, merged, so that no character
is read twice; an exact rule, the stretch around each match of its trigger; an anchored rule with
``confirm`` patterns, from where each context ends. Finds that overlap become one span, named by the
earliest rule among them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from hookd.redact.budget import Budget
from hookd.redact.prefilter import Prefilter
from hookd.redact.rule import Rule
from hookd.redact.scan import CHUNK, OVERLAP
from hookd.redact.valuelines import ValueLines

# What an anchored rule may read before it knows no value begins: separators and spaces, then a
# type annotation's characters (secret_assignment's), then the character that ends them.
_HEAD_RUN = re.compile(r"[=>\s]{0,8}[\w.\[\]|,\s]{0,250}")


def stretches(rule: Rule, text: str, chunks: list[int] | None) -> list[tuple[int, int]]:
    """The stretches of text the rule's regex must see: around its chunks, merged; or all of it."""
    if rule.reach is None or chunks is None:
        return [(0, len(text))]
    windows: list[tuple[int, int]] = []
    for chunk in chunks:
        low = max(0, chunk * CHUNK - OVERLAP - rule.reach)
        high = min(len(text), (chunk + 1) * CHUNK + rule.reach)
        if windows and low <= windows[-1][1]:
            windows[-1] = (windows[-1][0], high)
        else:
            windows.append((low, high))
    return windows


def contexts(rule: Rule, text: str, reports: list[int]) -> list[int]:
    """Where the rule's contexts end, for the reports of its ``confirm`` pattern."""
    ends = []
    for end in reports:
        at = text.rfind(rule.confirm_after, max(0, end - 1 - rule.confirm_reach), end - 1)
        if at >= 0:
            ends.append(at + 1)
    return ends


def around(ends: Iterable[int], reach: int, ahead: int, length: int) -> list[tuple[int, int]]:
    """Per match of an exact trigger (its end just past the token): the stretch that holds the token."""
    windows: list[tuple[int, int]] = []
    for end in ends:
        low, high = max(0, end - reach), min(length, end + ahead)
        if windows and low <= windows[-1][1]:
            windows[-1] = (windows[-1][0], high)
        else:
            windows.append((low, high))
    return windows


def read_stretch(
    rule: Rule, prefilter: Prefilter | None, text: str, low: int, high: int, budget: Budget
) -> Iterator[re.Match[str]]:
    """The rule's matches in text[low:high] to confirm; those starting in dense chunks are skipped."""
    if prefilter is not None:
        yield from prefilter.matches(rule.compiled, text, low, high, budget)
        return
    while low < high:
        for match in rule.compiled.finditer(text, low, high):
            if budget.spend(match.start()):
                yield match
                continue
            low = budget.past(match.start())
            break
        else:
            return


class AnchoredReads:
    """An anchored rule's value read where each trigger ends (iterating yields the matches to confirm); a
    trigger inside a value already read is skipped. ``examined``: the characters its regex read, and
    ``tried``: whether any trigger was read at all."""

    __slots__ = ("budget", "ends", "examined", "rule", "text", "tried")

    def __init__(self, rule: Rule, text: str, ends: list[int], budget: Budget) -> None:
        self.rule, self.text, self.ends, self.budget = rule, text, ends, budget
        self.examined = 0
        self.tried = False

    def __iter__(self) -> Iterator[re.Match[str]]:
        read_to = 0
        reach = self.rule.reach
        assert reach is not None  # Rule requires a reach of an anchored rule
        # Per candidate only local names (a flood has thousands): the rule's parts, and the characters
        # examined, counted here and stored once.
        back, value_at, spend, text = self.rule.back, self.rule.compiled.match, self.budget.spend, self.text
        length, examined = len(text), 0
        lines = ValueLines(text) if "dq" in self.rule.compiled.groupindex else None
        # A run of dense chunks stays dense: the ends whose values start in it are passed by two comparisons each,
        # not a call to spend that says no (a flood's thousands of reports past its spare)
        dense_from = dense_to = 0
        for end in self.ends:
            start = end - back
            if start < read_to or dense_from <= start < dense_to:
                continue
            if not spend(start):
                if self.budget.is_dense(start):
                    dense_from, dense_to = start, self.budget.past(start)
                continue
            self.tried = True
            high = min(length, start + reach)
            if lines is not None and start < lines.within_to:
                high = min(high, lines.line_end(start))
            match = value_at(text, start, high)
            if match is None:
                examined += high - start  # all it may have read
                continue
            value_end = match.end()
            if value_end == start:  # no value begins here; it read at most the run _HEAD_RUN takes
                head = _HEAD_RUN.match(text, start, high)
                examined += (head.end() if head else start) - start + 2
                continue
            examined += value_end - start + 1
            read_to = value_end if lines is None else lines.read_to(match.start("value"), value_end)
            self.examined = examined
            yield match
        self.examined = examined


def merged(found: list[tuple[int, int, int]], rules: tuple[Rule, ...]) -> list[tuple[int, int, str]]:
    """Overlapping spans become one, named by the earliest rule among them (the most specific).

    A later rule's find that starts where an earlier rule's does is the same
    secret seen through its context (``password=<token>``): it is dropped,
    so that what follows the token in a quoted value is judged on its own. Not a decoded run's (an
    entity's or a percent escape's): the secret it holds may lie past the earlier find's end (``token:
    hp_&#112;assord: <v>``, the value ``hp_`` cut at the entity), and dropped, it was left to a second pass.
    """
    spans: list[list[int]] = []  # start, end, best rule index
    for start, end, index in sorted(found):
        if spans and start < spans[-1][1]:
            last = spans[-1]
            if start == last[0] and index > last[2] and (rules[index].unwrap is None or end <= last[1]):
                continue
            last[1] = max(last[1], end)
            last[2] = min(last[2], index)
        else:
            spans.append([start, end, index])
    return [(start, end, rules[index].name) for start, end, index in spans]
