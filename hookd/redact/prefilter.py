"""Where a keyword-gated rule's regex can begin, found by Hyperscan instead of by the regex itself.

A rule gated by keywords runs its regex over the stretches around them; Python's regex engine tries
the pattern at every position there, so a flood of the keyword (``pgpass``, ``Z2hwX``) costs a regex
attempt per character however little of it could be a secret (bench/README.md has the figures). A
``Prefilter`` is a Hyperscan pattern that matches a superset of the rule's matches, with their start
(``HS_FLAG_SOM_LEFTMOST``): one pass over a stretch, in C, and the regex is then tried only at the
place each report names. A pattern begins with the character before that place (which the regex's
lookbehind reads), or with an escape's two characters (``\\n``), or with nothing at the start of the
data (``^``): the place is the character after the report's start, the one after the escape, or (at the
start) the report's start too.

The matches are ``finditer``'s over the stretch (``matches`` tries the places in order and skips those
inside a match already taken), as long as the pattern reports every place a match can begin:
tests/test_redact_prefilter.py compares them on random text, and the rule tests compare the fast path
with the exhaustive engine, which still runs the regex everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import hyperscan

from hookd.redact.budget import Budget
from hookd.redact.scan import CHUNK

BEFORE = 2  # characters before a piece that the scan also reads: what precedes a match's start
# A chunk is scanned in pieces of these sizes, each piece's places tried before the next is scanned: a
# flood of candidates makes its chunk dense (the confirm budget) within the first piece, and the rest of
# the chunk is not scanned (the reports, calls into Python, would cost more than the regex did).
PIECES = (256, 768, 2048, CHUNK - 3072)


class Prefilter:
    """A Hyperscan pattern (it reads a non-ASCII character as '?', one byte, so that offsets are the
    text's), and how far past a piece the scan must read to see the pattern's whole match for every
    place in the piece (or 0: the pattern also reports what reaches the end of the data, ``$``)."""

    def __init__(self, pattern: str, ahead: int, at_start: bool = False) -> None:
        """``at_start``: a report's start is the place itself (a regex with no lookbehind, whose check
        reads what precedes the match): a place right after a lone backslash is reported too."""
        self.pattern = pattern
        self.ahead = ahead
        self.at_start = at_start
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

    def starts(self, text: str, low: int, high: int, end: int) -> list[int]:
        """The places in text[low:high] where the rule's regex may begin, in order (the scan reads to
        ``end``: ``high`` and what ``ahead`` adds, within the stretch)."""
        begin = max(0, low - BEFORE)
        # One byte per character: offsets are the text's. A non-ASCII character becomes '?', which the
        # patterns take wherever a regex could take such a character (or a space).
        data = text[begin:end].encode("ascii", "replace")
        found: list[int] = []
        self._compiled().scan(data, match_event_handler=_collect, context=found)
        # A report starts at the character before the place (the regex's lookbehind reads it), or at the
        # backslash of an escape before it, or at the data's start (^), where the place may be too.
        if self.at_start:
            return [begin + start for start in sorted(found) if low <= begin + start < high]
        places: list[int] = []
        for start in sorted(found):
            at = begin + start
            if text[at] == "\\":
                places.append(at + 2)
                continue
            if not start:
                places.append(at)
            places.append(at + 1)
        return [place for place in places if low <= place < high]

    def matches(
        self, compiled: re.Pattern[str], text: str, low: int, high: int, budget: Budget
    ) -> Iterator[re.Match[str]]:
        """The regex's matches in text[low:high] that the budget lets be confirmed: what finditer gives,
        tried only at ``starts``, in order, past the last match. As the redactor's loop, a match that
        starts in a dense chunk is not read; the stretch is scanned chunk by chunk and piece by piece,
        dense chunks skipped. The regex is never searched with (a search for the next match reads on to
        the stretch's end when there is none: per chunk, up to the whole text)."""
        read_to = low
        chunk = low // CHUNK
        while chunk * CHUNK < high:
            if chunk in budget.dense:
                chunk = budget.past(chunk * CHUNK) // CHUNK
                continue
            piece, dense = chunk * CHUNK, False
            for size in PIECES:
                begin, piece = max(low, piece), piece + size
                stop = min(high, piece)
                if begin >= stop or dense:
                    continue
                for place in self.starts(text, begin, stop, min(high, stop + self.ahead)):
                    if place < read_to:
                        continue
                    found = compiled.match(text, place, high)
                    if found is None:
                        continue
                    if not budget.spend(place):
                        dense = True
                        break
                    yield found
                    read_to = found.end()
            chunk += 1


def _collect(_expression: int, start: int, _end: int, _flags: int, found: Any) -> None:
    found.append(start)
