"""A secret glued to the secret after it, caught on the first pass: the run before a glued marker read again.

A token is recognised only at a boundary, and a token written right before another one
(``shpat_<hex>ghp_<36>``) has none: its end runs into the next token's letters, so a pass takes the
second token only. Redacted again, the marker's ``[`` is the boundary the first token lacked, and a
second pass took it: the output was not stable, and the first pass kept a secret. So, after a pass,
the run of characters right before each marker that follows a word character is read again as a
second pass would read it, with the marker in its place; what is found there is redacted too, and
the run before that is read in turn (a chain of glued tokens). The run right after a marker is read
so too (``<token>$apr1$...``: a hash's start had the token's last letter before it).

The work is bounded, never a second pass over the whole text (a text rich in secrets would pay it
twice): a run is read back from the marker to the nearest space, quote, bracket or other marker, at
most RUN characters, and one text's re-reads together read at most its length and SPARE more
characters. Past that (a flood of glued tokens), what is left of a glued run is redacted whole, as a
stretch too dense to confirm is (dense.py): it fails closed.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from hookd.redact.dense import DENSE
from hookd.redact.viewpattern import INVISIBLE, INVISIBLE_HEX

LOOKAHEAD = 32  # characters after a run the re-read sees (a terminal's sequence a token's end reads past)
RUN = 512  # characters of a glued run read again next to a marker, at most
SPARE = 4096  # characters past a text's length that its re-reads may read in all
# Between the windows of a round read together: raw line breaks, which end every value and token.
SEPARATOR = "\n\n\n"
SHORTEST = 16  # characters of a run, at least, to be read again (a token is longer; a short password is left)
# After a marker, a run as short as the shortest token a rule takes there (sk-T3BlbkFJ, xoxa-<9>): a second pass
# reads the marker's ] as the boundary the token lacked on the first.
SHORTEST_AFTER = 11
ASSIGNED_RUN = 32  # characters of a run that ends in = or : before a marker, at least, to be read again
LOOKBEHIND = 8  # characters before a run the re-read sees (a rule's lookbehind: an escape before a token)
# What ends a run, read back from a marker: a space, a quote, a bracket (another marker's end), structure
# (not ;, which ends an entity: &#97;&#112; glued to a marker is a run an entity rule reads).
_STOPS = frozenset(" \t\r\n\"'[]{}()<>,|`")
# A marker is glued when a token's character (a word character, . + / ~ -) stands right before it, past
# invisible characters (raw or as an escape), which the view drops; or a name's = or : does, at the end of
# a run of ASSIGNED_RUN or more (<base64>password=: a token's end ran into the name), not a name alone
# (password=, a flood's every pair).
_GLUED = re.compile(r"[A-Za-z0-9_;=:.+/~-](?:[" + INVISIBLE + r"]|\\+u(?:" + INVISIBLE_HEX + r"))*\Z")

# A marker is glued to what follows when a character that may begin a token follows it (past invisible
# characters and control escapes, which the view reads as nothing or a space): a token there had the
# marker's secret's last character before it, not a boundary.
# A terminal's sequence after an ESC (escaped: JSON text writes ESC so), which the view drops: a CSI (ESC [1m),
# an OSC up to its BEL (ESC ]0;title BEL), or ESC \\.
_SEQUENCE = r"(?<=u001[Bb])(?:\[[0-9;]{0,16}[A-Za-z]|\][^\\\"]{0,64}(?=\\+u0007)|\\+(?![bfnrtu\\]))"
_AFTER = re.compile(
    r"(?:["
    + INVISIBLE
    + r"]|\\+u(?:"
    + INVISIBLE_HEX
    + r"|00[01][0-9A-Fa-f])|\\+[bfnrt]|"
    + _SEQUENCE
    + r")*[A-Za-z0-9_$+/-]"
)

# The characters that may stand right before or after a glued marker (what _GLUED and _AFTER begin with).
_WORD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
_MAY_GLUE_BEFORE = frozenset(_WORD + ";=:.+/~-" + INVISIBLE)
_MAY_GLUE_AFTER = frozenset(_WORD + "$+/-\\" + INVISIBLE)

Spans = list[tuple[int, int, str]]


@dataclass
class _Site:
    """Where a run glued to a marker is read: before it (``edge`` is the marker's start, ``bound`` the
    previous span's end) or after it (``edge`` its end, ``bound`` the next span's start)."""

    before: bool
    edge: int
    bound: int
    marker: str
    neighbour: str  # the marker past ``bound`` (before the run, or after it), as a second pass would see it


def unglued(text: str, spans: Spans, locate: Callable[[str], Spans]) -> Spans:
    """``spans`` (in order, in ``text``) with the secrets found glued before and after them added, in
    order. ``locate`` gives a text's spans as a pass finds them (with no budget per chunk: the reads
    together are bounded here). The runs of a round are read together, as one text, in one call: a
    text with a glued pair every few hundred characters pays one pass over those runs, not one per run."""
    markers = [f"[REDACTED:{name}]" for _, _, name in spans]
    last = len(spans) - 1
    # Most markers stand apart: one look at the character beside each, and a site only where it may glue.
    sites = [
        _Site(True, start, spans[i - 1][1] if i else 0, markers[i], markers[i - 1] if i else "")
        for i, (start, _, _) in enumerate(spans)
        if start and text[start - 1] in _MAY_GLUE_BEFORE
    ] + [
        _Site(False, end, spans[i + 1][0] if i < last else len(text), markers[i], markers[i + 1] if i < last else "")
        for i, (_, end, _) in enumerate(spans)
        if end < len(text) and text[end] in _MAY_GLUE_AFTER
    ]
    budget = len(text) + SPARE
    found: Spans = []
    while sites:
        reads = [read for read in map(lambda site: _read(text, site), sites) if read is not None]
        if not reads:
            break
        if budget <= 0:  # a flood of glued tokens: what is left of each run is redacted whole (fail closed)
            found += [
                (_run_start(text, site.bound, site.edge, None), site.edge, DENSE)
                if site.before
                else (site.edge, run_end(text, site.edge, site.bound, None), DENSE)
                for site, _, _, _, _ in reads
            ]
            break
        joined = SEPARATOR.join(window for _, _, _, window, _ in reads)
        budget -= len(joined)
        at, where, windows = 0, [], []
        for _, low, high, window, offset in reads:
            where.append((at + offset, at + offset + high - low, low))
            windows.append((at, at + len(window)))
            at += len(window) + len(SEPARATOR)
        sites = []
        results = locate(joined)  # in order, as the windows are: each window's are read in one sweep
        crossed = _crossed(results, where)
        if crossed:
            results, spent = _apart(joined, results, windows, crossed, locate)
            budget -= spent
        k = 0
        for (site, _, _, _, _), (first, last, low) in zip(reads, where):
            while k < len(results) and results[k][0] < first:
                k += 1
            new = []
            while k < len(results) and results[k][0] < last:
                s, e, n = results[k]
                if e <= last:
                    new.append((low + s - first, low + e - first, n))
                k += 1
            if not new:
                continue
            found += new
            # Each secret found may have another glued before it and after it: a site on each side, up to
            # the one found next to it, or the site's bound (past the run) or its marker (the run's other end).
            # The side towards the marker too: a token glued after one found before a marker ran into the
            # one found and was no token in this read, and a second pass, the found one a marker, took it.
            marks = [f"[REDACTED:{n}]" for _, _, n in new]
            for i, (start, end, _) in enumerate(new):
                first_one, last_one = i == 0, i + 1 == len(new)
                if site.before:
                    below = (site.bound, site.neighbour) if first_one else (new[i - 1][1], marks[i - 1])
                    above = (site.edge, site.marker) if last_one else (new[i + 1][0], marks[i + 1])
                else:
                    below = (site.edge, site.marker) if first_one else (new[i - 1][1], marks[i - 1])
                    above = (site.bound, site.neighbour) if last_one else (new[i + 1][0], marks[i + 1])
                sites.append(_Site(True, start, below[0], marks[i], below[1]))
                sites.append(_Site(False, end, above[0], marks[i], above[1]))
    return _merged(spans + found)


def _crossed(results: Spans, where: list[tuple[int, int, int]]) -> set[int]:
    """The windows whose run's start or end a find crosses: a value read on over the separator (a quoted one reads
    raw line breaks) into the next window, merged there with what that window holds. Work: the finds (each edge
    lies inside at most one of them, which do not overlap)."""
    edges = [edge for first, last, _ in where for edge in (first, last)]
    out: set[int] = set()
    for start, end, _ in results:
        k = bisect.bisect_right(edges, start)
        while k < len(edges) and edges[k] < end:
            out.add(k // 2)
            k += 1
    return out


def _apart(
    joined: str, results: Spans, windows: list[tuple[int, int]], crossed: set[int], locate: Callable[[str], Spans]
) -> tuple[Spans, int]:
    """The finds with each crossed window read again alone (the token glued at a window's start had been merged
    into a find from the window before, in neither window), and what those reads cost."""
    lows = [low for low, _ in windows]
    out: Spans = []
    for start, end, name in results:
        k = bisect.bisect_right(lows, start) - 1
        if k not in crossed and (k + 1 >= len(lows) or end <= lows[k + 1]):
            out.append((start, end, name))
    spent = 0
    for k in sorted(crossed):
        low, high = windows[k]
        out += [(low + s, low + e, n) for s, e, n in locate(joined[low:high])]
        spent += high - low
    return sorted(out), spent


def _read(text: str, site: _Site) -> tuple[_Site, int, int, str, int] | None:
    """What to read for a site: the run (low, high), the window (the run with what a second pass would
    see beside it: the marker, the characters or marker past the run) and where the run starts in it;
    None when nothing is glued there."""
    if site.before:
        right = site.edge
        if not _GLUED.search(text, max(site.bound, right - 16), right):
            return None
        low = _run_start(text, site.bound, right)
        if right - low < SHORTEST or text[right - 1] in "=:" and right - low < ASSIGNED_RUN:
            return None
        left = site.neighbour if site.neighbour and low == site.bound else text[max(site.bound, low - LOOKBEHIND) : low]
        return site, low, right, left + text[low:right] + site.marker, len(left)
    left_at = site.edge
    if left_at >= site.bound or not _AFTER.match(text, left_at, site.bound):
        return None
    high = run_end(text, left_at, site.bound)
    if high - left_at < SHORTEST_AFTER:
        return None
    after = site.neighbour if site.neighbour and high == site.bound else text[high : min(site.bound, high + LOOKAHEAD)]
    return site, left_at, high, site.marker + text[left_at:high] + after, len(site.marker)


def _merged(spans: Spans) -> Spans:
    """The spans in order, each that overlaps one before it dropped (a run read from both its markers)."""
    out: Spans = []
    for span in sorted(spans):
        if not out or span[0] >= out[-1][1]:
            out.append(span)
    return out


def _run_start(text: str, floor: int, at: int, most: int | None = RUN) -> int:
    """Where the run that ends at ``at`` begins: after the last stop character before it, not before
    ``floor``, at most ``most`` characters back (past them, the characters before it are the read's
    lookbehind: no boundary is made up there)."""
    low = floor if most is None else max(floor, at - most)
    i = at
    while i > low and (text[i - 1] not in _STOPS or _opens_sequence(text, i - 1)):
        i -= 1
    return i


def run_end(text: str, at: int, ceiling: int, most: int | None = RUN) -> int:
    """Where the run that begins at ``at`` ends: at the first stop character, not past ``ceiling``, at
    most ``most`` characters on."""
    high = ceiling if most is None else min(ceiling, at + most)
    i = at
    while i < high and (text[i] not in _STOPS or _opens_sequence(text, i)):
        i += 1
    return i


def _opens_sequence(text: str, at: int) -> bool:
    """Whether the bracket at ``at`` opens a terminal's sequence (ESC [ or ESC ], the ESC raw or escaped),
    which the view drops: the run goes on through it, as a pass reads it."""
    return text[at] in "[]" and (text[at - 1 : at] == "\x1b" or text[max(0, at - 5) : at].lower() == "u001b")
