"""Stream entry ids held compactly (16 bytes each), oldest first: a kept scan's events not sent.

A kept scan counts a session's events older than those it sends (``earlier``). When trimming
(MAXLEN, MINID) passes the oldest of them, how many remain is how many of these ids are at or
after the stream's first entry: a bisection, where without the ids the session was read anew.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left

from hookd.ui.store import id_key


class EntryIds:
    __slots__ = ("ms", "seq")

    def __init__(self, ms: array[int] | None = None, seq: array[int] | None = None) -> None:
        self.ms = ms if ms is not None else array("Q")
        self.seq = seq if seq is not None else array("Q")

    @classmethod
    def of(cls, entry_ids: list[str]) -> EntryIds:
        ids = cls()
        for entry_id in entry_ids:
            ids.append(entry_id)
        return ids

    def __len__(self) -> int:
        return len(self.ms)

    def append(self, entry_id: str) -> None:
        ms, seq = id_key(entry_id)
        self.ms.append(ms)
        self.seq.append(seq)

    def reverse(self) -> None:
        self.ms.reverse()
        self.seq.reverse()

    def first(self) -> str | None:
        return f"{self.ms[0]}-{self.seq[0]}" if self.ms else None

    def since(self, entry_id: str) -> EntryIds:
        """The ids at or after entry_id (ascending ids: a bisection, not a pass)."""
        ms, seq = id_key(entry_id)
        lo = bisect_left(self.ms, ms)
        hi = bisect_left(self.ms, ms + 1, lo)
        at = bisect_left(self.seq, seq, lo, hi)
        return EntryIds(self.ms[at:], self.seq[at:])

    def head(self, n: int) -> EntryIds:
        return EntryIds(self.ms[:n], self.seq[:n])

    def __add__(self, other: EntryIds) -> EntryIds:
        return EntryIds(self.ms + other.ms, self.seq + other.seq)
