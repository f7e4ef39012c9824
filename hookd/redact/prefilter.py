"""Where a keyword-gated rule's regex can begin, found by Hyperscan instead of by the regex itself.

A rule gated by keywords runs its regex over the stretches around them; Python's regex engine tries
the pattern at every position there, about 25 ns a character, so a flood of the keyword (``pgpass``,
``Z2hwX``) crawls at 30-50 MB/s however little of it could be a secret. A ``Prefilter`` is a Hyperscan
pattern that matches a superset of the rule's matches, with their start (``HS_FLAG_SOM_LEFTMOST``): its
one pass over a stretch costs about a nanosecond a character, and the regex is then tried only at the
few places each report names. The places are the report's start and the two characters after it, which
holds for a pattern that begins with one character (or an escaped ``\\n`` pair, or nothing at the
stretch's start) before the place where the regex begins.

The matches are ``finditer``'s over the stretch (``matches`` tries the places in order and skips those
inside a match already taken), as long as the pattern reports every place a match can begin: the tests
compare the fast path with the exhaustive engine, which still runs the regex everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import hyperscan

from hookd.redact.dense import Budget
from hookd.redact.scan import CHUNK

BEFORE = 2  # characters before a stretch that the scan also reads: what precedes a match's start
AFTER = 3  # the places a report names: its start and the two characters after


class Prefilter:
    """A Hyperscan pattern (Python's \\s and non-ASCII characters are read as '?', one byte each)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._database: Any = None  # compiled when first used: most events never need it

    def _compiled(self) -> Any:
        if self._database is None:
            database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            database.compile(
                expressions=[self.pattern.encode()],
                ids=[0],
                elements=1,
                flags=[hyperscan.HS_FLAG_SOM_LEFTMOST],
            )
            self._database = database
        return self._database

    def starts(self, text: str, low: int, high: int) -> list[int]:
        """The places in text[low:high] where the rule's regex may begin, in order."""
        begin = max(0, low - BEFORE)
        # One byte per character: offsets are the text's. A non-ASCII character becomes '?', which the
        # patterns take wherever a regex could take such a character (or a space).
        data = text[begin:high].encode("ascii", "replace")
        found: set[int] = set()
        self._compiled().scan(data, match_event_handler=_collect, context=found)
        places = {begin + start + step for start in found for step in range(AFTER)}
        return sorted(place for place in places if low <= place < high)

    def matches(
        self, compiled: re.Pattern[str], text: str, low: int, high: int, budget: Budget
    ) -> Iterator[re.Match[str]]:
        """The regex's matches in text[low:high] that the budget lets be confirmed: what finditer gives,
        tried only at ``starts``, in order, past the last match; as the redactor's loop, a match that
        starts in a dense chunk is not read, and reading resumes where the run of dense chunks ends."""
        read_to = low
        for place in self.starts(text, low, high):
            if place < read_to:
                continue
            if place // CHUNK in budget.dense:
                read_to = budget.past(place)
                continue
            match = compiled.match(text, place, high)
            if match is None:
                continue
            if budget.spend(place):
                yield match
                read_to = match.end()
            else:
                read_to = budget.past(place)


def _collect(_expression: int, start: int, _end: int, _flags: int, found: Any) -> None:
    found.add(start)
