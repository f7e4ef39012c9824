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
