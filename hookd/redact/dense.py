"""Redaction in bulk of the stretches too dense with candidates to confirm one by one.

A chunk of text (scan.CHUNK characters) whose candidates would cost more
Python work than its budget (scan.REPORT_LIMIT reports, budget.CONFIRM_LIMIT
confirmations) is dense: its candidates are not confirmed, and the stretch
is redacted whole, failing closed. The stretch is the dense chunks and the
BACK characters before them (a secret whose shape only completes inside the
dense chunk), to the end of the JSON string the last dense chunk ends in (a
secret that began inside it may continue there). Within it, every JSON string
is emptied (the first one, or the part of the string the stretch starts in,
holds the marker), the structure between strings is kept, and a number with
12 digits in a row (a card number outside any string) becomes a string
marker: the output is valid JSON when the input was. Text that is not JSON
between its strings (plain text) is replaced whole by one marker.

All of it is C-speed string and regex work per stretch: ``str.count`` for
which side of a string a position is on, one split at the quotes (escapes
neutralised first with str.replace) for the strings.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

DENSE = "dense"
MARK = "[REDACTED:dense]"
QUOTED_MARK = f'"{MARK}"'
BACK = 2048  # characters before a dense chunk redacted with it (a token's shape completes inside the chunk)
_RUNS_COUNTED = 8  # backslash runs up to this long before a quote are counted with str.count; longer: a regex

# From an escape boundary inside a string: its content up to the closing quote.
_REST = re.compile(r'[^"\\]*+(?:\\.[^"\\]*+)*+', re.S)
# From outside any string: as far as the strings close (a position inside one stops it at its opening quote).
_OUTSIDE = re.compile(r'[^"]*+(?:"[^"\\]*+(?:\\.[^"\\]*+)*+"[^"]*+)*+', re.S)
# What lies between JSON strings (joined by quotes): structure, numbers and literals, a number or literal
# followed by structure (two numbers apart only by spaces are plain text, like grouped card digits).
_JSONISH = re.compile(
    r'(?:[\s\[\]{},:"]++|(?:-?[0-9]++(?:\.[0-9]++)?(?:[eE][-+]?[0-9]++)?|true|false|null)'
    r'(?=\s*+(?:[\]},:"]|\Z)))*+'
)
# Between strings: what is not structure (a number, a literal; in plain text, a word).
_WORD = re.compile(r'[^\s"\[\]{},:]*+')
_WORD_CHARACTERS = "".join(chr(c) for c in range(33, 127) if chr(c) not in '"[]{},:')
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
_LONG_NUMBER = re.compile(r"-?(?=[-+.0-9eE]*?[0-9]{12})[0-9]++(?:\.[0-9]++)?(?:[eE][-+]?[0-9]++)?")


def redact_in_bulk(
    text: str, spans: list[tuple[int, int, str]], runs: list[tuple[int, int]]
) -> tuple[str, Counter[str]]:
    """The text with ``spans`` (confirmed secrets: start, end, rule) and the dense ``runs`` (start, end of
    chunks, in order) redacted; a span that overlaps a dense stretch goes with it."""
    regions = _regions(text, runs)
    pieces: list[str] = []
    counts: Counter[str] = Counter()
    last = 0
    r = 0
    for start, end, name in spans:
        while r < len(regions) and regions[r].end <= start:
            last = _emit(text, regions[r], last, pieces, counts)
            r += 1
        if r < len(regions) and regions[r].start < end:  # the span overlaps the stretch: one marker for both
            region = regions[r]
            if start < region.start:
                region.start, region.inside = start, True  # a span lies inside one string
            region.end = max(region.end, end)
            continue
        pieces += (text[last:start], f"[REDACTED:{name}]")
        counts[name] += 1
        last = end
    for region in regions[r:]:
        last = _emit(text, region, last, pieces, counts)
    pieces.append(text[last:])
    return "".join(pieces), counts


def _emit(text: str, region: _Region, last: int, pieces: list[str], counts: Counter[str]) -> int:
    low, high, inside = region.start, region.end, region.inside
    low = max(low, last)
    redacted, marks = _bulk(text, low, high, inside)
    pieces += (text[last:low], redacted)
    if marks:
        counts[DENSE] += marks
    return high


def _bulk(text: str, low: int, high: int, inside: bool) -> tuple[str, int]:
    """text[low:high] redacted in bulk, and how many markers it holds."""
    head = ""
    start = low
    if inside:  # the rest of the string the stretch starts in
        close = _closing(text, low, high)
        if close >= high:
            return MARK, 1
        head, start = MARK + '"', close + 1
    rest = text[start:high]
    if "\\" in rest:
        # Neutralise the escapes (rest starts at an escape boundary, so pairs line up): afterwards every
        # quote opens or closes a string. The stand-ins are inside strings, which are emptied, or in a
        # gap, which then is not JSON (a backslash is never between JSON strings either).
        rest = rest.replace("\\\\", "\x01\x01").replace('\\"', "\x01\x01")
    quotes = rest.count('"')
    gaps = rest.split('"')[0::2]  # what lies between the strings (the last string may be cut off open)
    between = '"'.join(gaps)
    if _JSONISH.fullmatch(between) is None:  # plain text between the strings: none of it is kept
        return MARK, 1
    marks = 1 if inside else 0
    numbers = 0
    if any(digit in between for digit in "0123456789") and _TWELVE_DIGITS.search(between):  # memchr first
        between, numbers = _LONG_NUMBER.subn("\x00", between)
        gaps = between.split('"')
    out = '""'.join(gaps) if quotes % 2 == 0 else '""'.join(gaps) + '"'  # every string emptied
    if quotes and not inside:  # the first string holds the marker
        first = len(gaps[0]) + 1
        out = out[:first] + MARK + out[first:]
        marks = 1
    if numbers:  # \x00 is in no gap that passed _JSONISH
        out = out.replace("\x00", QUOTED_MARK)
    return head + out, marks + numbers


@dataclass(slots=True)
class _Region:
    """A stretch redacted in bulk: where it starts and ends, and whether its start is inside a string."""

    start: int
    end: int
    inside: bool


def _regions(text: str, runs: list[tuple[int, int]]) -> list[_Region]:
    """Per run of dense chunks: the stretch redacted with it, as the module says."""
    regions: list[_Region] = []
    known, known_inside = 0, False  # a position not inside a run of backslashes, and its side
    for low, high in runs:
        if regions and high <= regions[-1].end:
            continue
        low = max(0, low - BACK)
        if regions and low <= regions[-1].end:
            region = regions[-1]
        else:
            low = _boundary(text, low)
            inside = _inside(text, known, known_inside, low)
            if not inside:  # not in the middle of a number, a literal or a word
                low = _word_start(text, low)
            known, known_inside = low, inside
            region = _Region(low, low, inside)
            regions.append(region)
        end = _boundary(text, max(high, region.end))
        if _inside(text, known, known_inside, end):
            region.end = min(len(text), _closing(text, end) + 1)
            known, known_inside = region.end, False
        else:
            region.end = _reach(_WORD, text, max(high, region.end), len(text))
            known, known_inside = end, False
    return regions


def _closing(text: str, at: int, end: int | None = None) -> int:
    """Where the string holding ``at`` (an escape boundary) closes: its closing quote, or ``end``."""
    end = len(text) if end is None else end
    quote = text.find('"', at, end)
    if quote < 0:
        quote = end
    if text.find("\\", at, quote) < 0:  # no escape before it: memchr speed
        return quote
    return _reach(_REST, text, at, end)


def _reach(pattern: re.Pattern[str], text: str, at: int, end: int) -> int:
    """Where ``pattern`` (which matches the empty string too) stops, from ``at``, not past ``end``."""
    match = pattern.match(text, at, end)
    assert match is not None  # every quantifier in these patterns may repeat zero times
    return match.end()


def _word_start(text: str, at: int) -> int:
    """The start of the run of _WORD characters that ``at`` is in or just after."""
    width = 16
    while True:
        low = max(0, at - width)
        kept = text[low:at].rstrip(_WORD_CHARACTERS)
        if kept or low == 0:
            return low + len(kept)
        width *= 4


def _boundary(text: str, at: int) -> int:
    """``at``, or the start of the run of backslashes just before it (an escape may straddle ``at``)."""
    j = text.rfind("\\", max(0, at - 6), at)
    if j < 0:
        return at
    width = 16
    while True:
        low = max(0, j + 1 - width)
        kept = text[low : j + 1].rstrip("\\")
        if kept or low == 0:
            return low + len(kept)
        width *= 4


def _inside(text: str, known: int, known_inside: bool, at: int) -> bool:
    """Whether ``at`` is inside a JSON string, from the side of an earlier ``known`` position."""
    quotes = text.count('"', known, at)
    if quotes:
        escaped, sign = 0, 1
        for run in range(1, _RUNS_COUNTED + 2):
            found = text.count("\\" * run + '"', known, at)
            if not found:
                return known_inside ^ bool((quotes - escaped) & 1)
            escaped += sign * found
            sign = -sign
        # Quotes after long runs of backslashes: read the strings with a regex instead.
        if known_inside:
            close = _reach(_REST, text, known, at)
            if close >= at:
                return True
            known = close + 1
        return _reach(_OUTSIDE, text, known, at) != at
    return known_inside
