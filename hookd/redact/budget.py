"""The confirmation budget: per chunk of text (scan.CHUNK characters), how many candidates may be
confirmed one by one before the chunk is dense and redacted in bulk (dense.py)."""

from __future__ import annotations

from collections.abc import Iterable

from hookd.redact.scan import CHUNK

# Candidates confirmed one by one per chunk (CHUNK characters), all rules together; one more makes the
# chunk dense. The payloads of tests/corpus confirm at most 22 in a chunk (30 random 18-digit ids); the
# secret-rich random documents of tests/test_redact_rules.py 39.
CONFIRM_LIMIT = 48
AFTER_DENSE = 8  # a chunk right after a dense one may confirm CONFIRM_LIMIT // AFTER_DENSE (floods run on)
# Candidates one text may confirm past its chunks' limits before a chunk is dense: real output dense in
# places (300 lines of grep hits for password: 156 past the limits; of `mkdir -p`: 204) stays whole; a
# flood costs at most this many more checks, each reading at most its rule's reach.
CONFIRM_SPARE = 512


class Budget:
    """Per chunk, the candidates confirmed so far; the dense chunks, whose candidates are not read."""

    __slots__ = ("dense", "limit", "spare", "spent", "_seen")

    def __init__(self, dense: Iterable[int], limit: int | None) -> None:
        self.dense = set(dense)
        self.limit = limit
        self.spare = CONFIRM_SPARE
        self.spent: dict[int, int] = {}
        self._seen: set[int] = set()

    def spend(self, at: int) -> bool:
        """Whether the candidate starting at ``at`` may be confirmed (and counts it); no if its chunk is
        dense. Candidates of several rules that start at one place (a token, the same run as a base64
        candidate, the value of ``TOKEN=``) count once. One past its chunk's limit takes one of the
        text's spare."""
        if self.limit is None:
            return True
        chunk = at // CHUNK
        if chunk in self.dense:
            return False
        if at in self._seen:
            return True
        self._seen.add(at)
        return self._confirm(chunk)

    def _confirm(self, chunk: int) -> bool:
        """Whether one more candidate of ``chunk`` (not dense, first at its place) may be confirmed."""
        limit = self.limit
        assert limit is not None  # spend() returned before for an unlimited budget
        spent = self.spent.get(chunk, 0) + 1
        if spent > (limit // AFTER_DENSE if chunk - 1 in self.dense else limit):
            if self.spare <= 0:
                self.dense.add(chunk)
                return False
            self.spare -= 1
        self.spent[chunk] = spent
        return True

    def charge(self, at: int, cost: int) -> bool:
        """Whether ``cost`` confirmations' worth of work for the candidate at ``at`` may be done (and
        counts it), as ``cost`` candidates confirmed one by one would: past the chunk's limit each takes
        one of the spare; when the spare runs out the chunk is dense, and nothing is left of the spare."""
        if self.limit is None:
            return True
        chunk = at // CHUNK
        if chunk in self.dense:
            return False
        spent = self.spent.get(chunk, 0) + cost
        over = spent - (self.limit // AFTER_DENSE if chunk - 1 in self.dense else self.limit)
        if over > 0:
            if self.spare < min(over, cost):
                self.spare = 0
                self.dense.add(chunk)
                return False
            self.spare -= min(over, cost)
        self.spent[chunk] = spent
        return True

    def is_dense(self, at: int) -> bool:
        """Whether the chunk holding ``at`` is dense (then it stays so)."""
        return at // CHUNK in self.dense

    def past(self, at: int) -> int:
        """Where the run of dense chunks holding ``at`` ends."""
        chunk = at // CHUNK + 1
        while chunk in self.dense:
            chunk += 1
        return chunk * CHUNK

    def runs(self, length: int) -> list[tuple[int, int]]:
        """The dense chunks as runs of text: (start, end), in order."""
        runs: list[tuple[int, int]] = []
        for chunk in sorted(self.dense):
            low, high = chunk * CHUNK, min(length, (chunk + 1) * CHUNK)
            if runs and runs[-1][1] == low:
                runs[-1] = (runs[-1][0], high)
            elif low < length:
                runs.append((low, high))
        return runs
