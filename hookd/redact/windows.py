"""Where a rule's regex reads, and how the finds of all rules become the spans to replace.

A keyword rule reads the stretches around the chunks its keywords are in, merged, so that no character
is read twice; an exact rule, the stretch around each match of its trigger; an anchored rule with
``confirm`` patterns, from where each context ends. Finds that overlap become one span, named by the
earliest rule among them.
"""

from __future__ import annotations

from collections.abc import Iterable

from hookd.redact.rule import Rule
from hookd.redact.scan import CHUNK, OVERLAP


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


def merged(found: list[tuple[int, int, int]], rules: tuple[Rule, ...]) -> list[tuple[int, int, str]]:
    """Overlapping spans become one, named by the earliest rule among them (the most specific).

    A later rule's find that starts where an earlier rule's does is the same
    secret seen through its context (``password=<token>``): it is dropped,
    so that what follows the token in a quoted value is judged on its own.
    """
    spans: list[list[int]] = []  # start, end, best rule index
    for start, end, index in sorted(found):
        if spans and start < spans[-1][1]:
            last = spans[-1]
            if start == last[0] and index > last[2]:
                continue
            last[1] = max(last[1], end)
            last[2] = min(last[2], index)
        else:
            spans.append([start, end, index])
    return [(start, end, rules[index].name) for start, end, index in spans]
