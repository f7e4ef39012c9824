"""The scanner's calls into Python (reports), and the flood guard that bounds them per chunk (scan.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

# The flood guard. Per word (caseless): the most occurrences one chunk's scan (its overlap included) may
# see. Several expressions of the main database start an engine at each of these words, costing Hyperscan
# work at every occurrence however few reports they make (single-match). Each occurrence is reported; one
# past its word's limit, or past FLOOD_LIMIT for the words together, stops the scan and the chunk is dense.
# Real text holds at most 2 apikey, 83 passw (keyring's tests), 31 " -p" (a gdb test log), 4 "net use",
# 3 oy2, 17 pwd (zipfile.py; this repository's tests 24), 4 "--auth " (git's changelog; with its space, so
# --author and --authority are not it), and 83 of them together per chunk (the standard library,
# site-packages, /usr/share/doc, /etc, tests/corpus, the benign corpora; bench/README.md, the twelfth
# session). Left out, as real text holds too many: token (133 in a chunk), cio (74: asyncio), variable (109).
FLOOD_WORDS = {"apikey": 32, "passw": 160, " -p": 64, "net use": 32, "oy2": 32, "pwd": 64, "--auth ": 32}
FLOOD_LIMIT = 160
# What one text may spend past its chunks' limits before a chunk is dense: reports, and the flood guard's
# words. Real output is dense in places without being a flood: `grep -rn password src/` of 300 hits, 80
# lines of `mkdir -p`, a config listing 80 services' apiKey references. Those stay whole, and a flood
# costs at most this much more before its chunks go dense (budget.CONFIRM_SPARE is the candidates' part).
REPORT_SPARE = 2048
WORD_SPARE = 1024


class ChunkLimits:
    """What the chunk being scanned may still make (``left``, spent by collect_limited: reports, the flood
    guard's words together, each word), and the spare the text has left past those limits."""

    __slots__ = ("left", "limits", "spare")

    def __init__(self, limits: tuple[int, ...]) -> None:
        self.limits = limits
        self.spare = [REPORT_SPARE, WORD_SPARE]
        self.left = [0] * len(limits)
        self.start()

    def start(self) -> None:
        """A chunk's limits, each with what is left of the text's spare."""
        reports, words = self.spare
        self.left[:] = [self.limits[0] + reports, *(most + words for most in self.limits[1:])]

    def settle(self) -> None:
        """After a chunk's scan (whole, or stopped past its limits): what it took past its limits is no longer
        spare; then the next chunk's limits. A chunk that spent none costs two comparisons."""
        reports, words = self.spare
        if self.left[0] < self.limits[0] + reports or self.left[1] < self.limits[1] + words:
            self.spare[0] = max(0, min(reports, self.left[0]))
            self.spare[1] = max(0, min(words, *self.left[1:]))
            self.start()


# The handlers take their context as Any: hyperscan's stubs pass it on as ``object`` (whatever scan() was
# given), and narrowing it with a cast would cost a call per report.
def collect(expression: int, _start: int, end: int, _flags: int, found: Any) -> None:
    found[expression].append(end)  # found: the defaultdict(list) given to scan() as its context


def collect_limited(expression: int, _start: int, end: int, _flags: int, context: Any) -> bool:
    found: defaultdict[int, list[int]]
    left: list[int]
    slots: list[int]
    # As collect's; what the chunk may still make: reports, the flood guard's words together, and each
    # word; per expression, its word's place in ``left`` (0: an ordinary report). True stops the scan.
    found, left, slots = context
    slot = slots[expression]
    if slot:
        left[slot] -= 1
        left[1] -= 1
        return left[slot] < 0 or left[1] < 0
    found[expression].append(end)
    left[0] -= 1
    return left[0] < 0


class ReportedAs(dict[int, list[int]]):
    """``found`` as a database of one expression compiled with id 0 writes to it: its reports go to the
    expression's id in the scan. A gated database is compiled without that id, which shifts whenever a
    rule before it is left out (redact_disable): its cached file then still serves (scanner_cache).
    A dict: after the first report, the handler's lookup is the dict's own, not a call into Python."""

    __slots__ = ("found", "number")

    def __init__(self, found: defaultdict[int, list[int]], number: int) -> None:
        super().__init__()
        self.found = found
        self.number = number

    def __missing__(self, expression: int) -> list[int]:
        ends = self[expression] = self.found[self.number]
        return ends


ONE_ORDINARY = (0,)  # the flood guard's slots of a one-expression database: an ordinary report


def reported_as(context: Any, number: int) -> Any:
    """The context collect or collect_limited (by its shape) is given for a one-expression database
    compiled with id 0 whose reports are ``number``'s."""
    if isinstance(context, tuple):
        found, left, _ = context
        return (ReportedAs(found, number), left, ONE_ORDINARY)
    return ReportedAs(context, number)
