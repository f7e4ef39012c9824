"""Cutting huge string fields down to a limit, with a marker that keeps their original length.

A tool response of megabytes is rarely worth its weight in a Redis Stream.
Like the redactor, this works on the JSON text as it is: strings within the
limit, and everything around the cut ones, stay byte for byte. It runs after
redaction, so a secret is never cut into a piece that its rule no longer
recognises.
"""

from __future__ import annotations

import json
import re

from hookd.redact.escapes import escaping

# One JSON string as written, escapes and all; possessive, so a long string is one fast run.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"')
MARKER = "[TRUNCATED: {length} characters]"


def truncate_strings(text: str, limit: int) -> tuple[str, int]:
    """The text with every string longer than ``limit`` characters (as written) cut, and how many."""
    if limit <= 0 or len(text) <= limit + 2:
        return text, 0
    pieces: list[str] = []
    last = cut = 0
    for match in _STRING.finditer(text):
        start, end = match.span()
        if end - start - 2 <= limit:
            continue
        content_start = start + 1
        keep = _whole_escapes(text, content_start, content_start + limit)
        length = len(json.loads(match.group()))
        pieces += (text[last:keep], MARKER.format(length=length))
        last = end - 1  # the closing quote stays
        cut += 1
    if not cut:
        return text, 0
    pieces.append(text[last:])
    return "".join(pieces), cut


def _whole_escapes(text: str, start: int, stop: int) -> int:
    """``stop``, moved back so that the kept part does not end inside an escape sequence.

    ``\\n`` is two characters, ``\\uXXXX`` six, and a surrogate pair two of
    those: keeping half of any would not be JSON (or, for half a pair, not
    JSON that every parser takes).
    """
    cut = stop
    for backslash in range(max(start, stop - 5), stop):
        if text[backslash] == "\\" and escaping(text, backslash, start):
            length = 6 if backslash + 1 < len(text) and text[backslash + 1] == "u" else 2
            if backslash + length > stop:
                cut = backslash
                break
    high = cut - 6
    if (
        high >= start
        and text[high : high + 2] == "\\u"
        and escaping(text, high, start)
        and _is_high_surrogate(text[high + 2 : cut])
    ):
        cut = high
    return cut


def _is_high_surrogate(hex_digits: str) -> bool:
    try:
        return 0xD800 <= int(hex_digits, 16) <= 0xDBFF
    except ValueError:
        return False
