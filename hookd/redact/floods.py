"""The scanner's calls into Python (reports), and the flood guard that bounds them per chunk (scan.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

# The flood guard. Per word (caseless): the most occurrences one chunk's scan (its overlap included) may
# see. Several expressions of the main database start an engine at each of these words, costing Hyperscan
# work at every occurrence however few reports they make (single-match). Each occurrence is reported; one
# past its word's limit, or past FLOOD_LIMIT for the words together, stops the scan and the chunk is dense.
# Real text holds at most 2 apikey, 83 passw (keyring's tests), 31 " -p" (a gdb test log), 4 "net use",
# 3 oy2, and 83 of them together per chunk (the standard library, site-packages, /usr/share/doc, /etc,
# tests/corpus, the benign corpora; bench/README.md, the twelfth session). Left out, as real text holds
# too many: token (133 in a chunk), cio (74: asyncio), variable (109).
FLOOD_WORDS = {"apikey": 32, "passw": 160, " -p": 64, "net use": 32, "oy2": 32}
FLOOD_LIMIT = 160


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
