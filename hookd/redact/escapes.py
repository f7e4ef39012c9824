"""Spans that never split a JSON escape, whichever rule found them.

The rules read JSON text, and most of them start a token only where no
backslash comes before it; but a rule whose value may begin after any
character (a run of HTML entities, a percent-encoded run) could begin on the
``u`` of ``\\u0007``, and a marker put there leaves a lone backslash: the
output is no longer JSON. Every span is widened to whole escapes before it is
replaced: its start back to the backslash of an escape it begins inside, its
end on past the rest of an escape it ends inside. Work per span is bounded:
at most MAX_RUN backslashes are counted either way (JSON nested MAX_LEVEL
deep writes at most 2**MAX_LEVEL - 1 in a row before an escaped character).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_RUN = 64
_HEX = frozenset("0123456789abcdefABCDEF")


def escaping(text: str, backslash: int, floor: int, most: int | None = None) -> bool:
    """Whether the backslash at ``backslash`` begins an escape (is not itself escaped): the run of
    backslashes that ends there is odd, counted back to ``floor`` (and at most ``most`` of them)."""
    run = 0
    i = backslash
    while i >= floor and (most is None or run < most) and text[i] == "\\":
        run += 1
        i -= 1
    return run % 2 == 1


def _escape_around(text: str, at: int, floor: int) -> tuple[int, int] | None:
    """The escape that holds the character at ``at`` without beginning there: its backslash and its end."""
    if text.find("\\", max(floor, at - 5), at) < 0:  # the backslash it needs, looked for in C (one per span end)
        return None
    if at - 1 >= floor and text[at - 1] == "\\" and escaping(text, at - 1, floor, MAX_RUN):
        return at - 1, at + 5 if text[at] == "u" else at + 1
    # Inside \uXXXX past its u: its backslash 2 to 5 characters back, hex digits from after the u to ``at``.
    for back in range(2, 6):
        b = at - back
        if b < floor:
            return None
        if (
            text[b] == "\\"
            and text[b + 1] == "u"
            and all(c in _HEX for c in text[b + 2 : at + 1])
            and escaping(text, b, floor, MAX_RUN)
        ):
            return b, b + 6
    return None


def whole_escapes(text: str, spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The spans (in order, not overlapping) widened to whole escapes, merged where they then overlap."""
    out: list[tuple[int, int, str]] = []
    last = 0
    for start, end, name in spans:
        if start < len(text):
            around = _escape_around(text, start, last)
            if around is not None:
                start = around[0]
            start = _crlf_start(text, start, last)
        if end > start:
            tail = end - 1
            if text[tail] == "\\" and escaping(text, tail, max(last, start), MAX_RUN):
                end = tail + (6 if text[tail + 1 : tail + 2] == "u" else 2)
            else:
                around = _escape_around(text, tail, max(last, start))
                if around is not None:
                    end = max(end, around[1])
            end = min(end, len(text))
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end), out[-1][2])
        else:
            out.append((start, end, name))
        last = out[-1][1]
    return out


def _crlf_start(text: str, start: int, floor: int) -> int:
    """Where a span that begins on an escaped line feed begins: at the escaped carriage return before it, of
    the same level (\\r\\n is one line break, the \\r of which the view drops). Left before it, the \\r stood
    alone once the \\n was a marker, and a second pass read it as the value's first character."""
    run = 0
    while run < MAX_RUN and text[start + run : start + run + 1] == "\\":
        run += 1
    if run % 2 == 0 or text[start + run : start + run + 1] != "n":
        return start
    before = start - run - 1
    if before < floor or text[before:start] != "\\" * run + "r":
        return start
    return before if escaping(text, before + run - 1, floor, MAX_RUN) else start


_JOINT_CHARS = frozenset(" \t+.")


def inside_strings(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The spans cut where they would cross a JSON string's end: a value the view joined over an Edit's
    structuredPatch lines (a string each, view.py's _PATCH_BREAK) is redacted in each string it stands in, the
    joints and the strings' quotes kept (a marker over them merged the patch's lines into one). Work is the
    spans' length."""
    out: list[tuple[int, int, str]] = []
    for start, end, name in spans:
        quotes = []
        at = text.find('"', start, end)
        while at >= 0:
            if not (at > 0 and escaping(text, at - 1, 0, MAX_RUN)):
                quotes.append(at)
            at = text.find('"', at + 1, end)
        if not quotes:
            out.extend(_across_numbered_lines(text, start, end, name))
            continue
        # Inside a string: before the first quote, and from each opening quote (every second) to the next.
        bounds = [start, *quotes, end] if len(quotes) % 2 == 0 else [start, *quotes, quotes[-1] + 1, end]
        pieces = [
            (
                _piece_start(text, bounds[k], bounds[k + 1]) if k else bounds[k],
                _piece_end(text, bounds[k], bounds[k + 1]),
            )
            for k in range(0, len(bounds) - 1, 2)
        ]
        pieces[-1] = (pieces[-1][0], end)
        kept = [(low, high, name) for low, high in pieces if high > low]
        out.extend(kept or [(start, end, name)])  # nothing of the value in any string: fail closed
    return out


# A line's break and the next line's number as the Read tool and cat -n write them (view.py's _NEXT_PREFIX), in a
# JSON string: the view joins literals over it.
_NUMBERED_BREAK = re.compile(
    r"\\n(?: {5}[0-9]| {4}[0-9]{2}| {3}[0-9]{3}| {2}[0-9]{4}| [0-9]{5}|[0-9]{6,7})\\t|\\n {0,6}[0-9]{1,7}\\u2192"
)
_QUOTES = ('\\"', "'")


def _across_numbered_lines(text: str, start: int, end: int, name: str) -> list[tuple[int, int, str]]:
    """The span cut at each numbered line's break inside a joint of literals (``"<a>" +``, a break, ``  2→  "<b>"``):
    each literal's part redacted, the joint, the line's break and the next line's number kept (a marker over them
    made the Read's lines one). A break with no literal's quote either side is the value's own: not cut. Work is
    the span's length."""
    out: list[tuple[int, int, str]] = []
    low = start
    for brk in _NUMBERED_BREAK.finditer(text, start, end):
        if not escaping(text, brk.start(), low, MAX_RUN):
            continue
        opening = _after_joint(text, brk.end(), end)
        if not text.endswith(_QUOTES, low, _joint_start(text, low, brk.start())) or not text.startswith(
            _QUOTES, opening, end
        ):
            continue
        before = _piece_end(text, low, brk.start())
        if before > low:
            out.append((low, before, name))
        low = opening + (2 if text.startswith('\\"', opening) else 1)
    if low < end:
        out.append((low, end, name))
    return out or [(start, end, name)]  # nothing of the value left on any line: fail closed


def _after_joint(text: str, at: int, end: int) -> int:
    """Past a diff's marker, the next line's indentation and the joint's operator after a line's number."""
    while at < end and (text[at] in _JOINT_CHARS or text[at] == "-" or text.startswith("\\t", at)):
        at += 2 if text[at] == "\\" else 1
    return at


def _joint_start(text: str, start: int, brk: int) -> int:
    """Where the joint before a line's break begins: before a line's continuation and the joint's spaces and
    operator, after the literal's closing quote."""
    at = brk - 2 if text.endswith("\\\\", start, brk) else brk
    while at > start and text[at - 1] in _JOINT_CHARS:
        at -= 1
    return at


def _piece_start(text: str, quote: int, end: int) -> int:
    """Where a value's piece begins after a string's opening quote: past a diff's marker, the joint's spaces,
    operator and indentation, and the literal's own quote."""
    at = quote + 2 if quote + 1 < end and text[quote + 1] in "+ -" else quote + 1
    while at < end and (text[at] in _JOINT_CHARS or text.startswith("\\t", at)):
        at += 2 if text[at] == "\\" else 1
    return at + (2 if text.startswith('\\"', at, end) else 1 if text.startswith("'", at, end) else 0)


def _piece_end(text: str, start: int, quote: int) -> int:
    """Where a value's piece ends before a string's closing quote: before a line's continuation, the joint's
    spaces and operator, and the literal's own quote."""
    at = quote - 2 if text.endswith("\\\\", start, quote) else quote
    while at > start and text[at - 1] in _JOINT_CHARS:
        at -= 1
    return at - (2 if text.endswith('\\"', start, at) else 1 if text.endswith("'", start, at) else 0)
