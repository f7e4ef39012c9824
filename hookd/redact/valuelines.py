"""The lines of a value read over line breaks: their triggers are read too, each to its own line's end.

VALUE's quoted forms (``\\"...`` and ``'...``) read escaped line breaks, so that a value quoted over several
lines is taken whole; one whose quote never closes runs on to its JSON string's end. An anchored rule skips
the triggers inside a value it read, so when that value was then dropped (a find of an earlier rule starting
where it does: ``curl -u a:\\"$apr1$<hash>`` is a password hash's) or failed its check, the next line's
``curl -u a:<v>`` was left to a second pass, which found it once the first value was a marker (fresh seed
3,878,997). Past a value's first line break, each trigger is read, up to its own line's end: a value found
there overlaps the first and is merged with it, or stands alone where the first is dropped.

Linear: a trigger inside such a value reads no further than its line's end, and the next break is looked
for once per stretch between breaks, with ``str.find`` in windows that double (the regex's search stopped at every
backslash of a payload's escaped quotes: on a flood of them it took longer than all the rules).
"""

from __future__ import annotations

import re

# A line break, raw or escaped at any depth of JSON in a string (as patterns.LINE_END reads one).
_BREAK = re.compile(r"[\r\n]|\\{1,8}+[nr]")
_MOST_BACKSLASHES = 8  # _BREAK's escaped break: a run of at most 8 backslashes before its letter
_FIRST_WIDTH = 256


def first_break(text: str, at: int) -> int:
    """Where ``_BREAK``'s first match at or after ``at`` begins (the text's length: none)."""
    length, width, low = len(text), _FIRST_WIDTH, at
    while True:
        # Windows that double, each read once: a kind of break the text lacks (raw ones in JSON text) is looked for
        # no further than twice the distance to the first break, not to the text's end at each call.
        high = min(length, low + width)
        end = high
        for raw in ("\n", "\r"):
            found = text.find(raw, low, end)
            if found >= 0:
                end = found
        for escaped in ("\\n", "\\r"):
            # Its backslash before ``end``: a raw break is no backslash, so no run of them reaches over it.
            found = text.find(escaped, low, end + 1)  # one whose letter is past the window is in it
            if found >= 0:
                start, lowest = found, max(at, found - _MOST_BACKSLASHES + 1)
                while start > lowest and text[start - 1] == "\\":
                    start -= 1
                end = min(end, start)
        if end < high or high == length:
            return end
        low, width = high, 2 * width


class ValueLines:
    """Per text and anchored read: how far the last value read over a line break runs, and the next break."""

    __slots__ = ("_break_at", "_searched_from", "text", "within_to")

    def __init__(self, text: str) -> None:
        self.text = text
        self.within_to = -1  # the end of the last value read over a line break
        self._searched_from, self._break_at = len(text) + 1, len(text)

    def next_break(self, at: int) -> int:
        """Where the first line break at or after ``at`` begins (the text's length: none)."""
        if not self._searched_from <= at <= self._break_at:
            self._searched_from, self._break_at = at, first_break(self.text, at)
        return self._break_at

    def line_end(self, at: int) -> int:
        """Where the line at ``at`` ends, its line break included: a value read there sees the break as the
        text has it, not a window's end."""
        at = self.next_break(at)
        found = _BREAK.match(self.text, at)
        return found.end() if found else at

    def read_to(self, value_start: int, value_end: int) -> int:
        """Where the triggers after a value read from ``value_start`` to ``value_end`` are read again: its
        first line break, or its end."""
        line_end = self.next_break(value_start)
        if line_end >= value_end:
            return value_end
        self.within_to = max(self.within_to, value_end)
        return line_end
