"""JSON Lines: one envelope per line, as `replay --export`, `tail --json` and `replay --file` use;
and the reader of any JSON the daemon takes, for the commands that read its envelopes back."""

from __future__ import annotations

import json
from typing import Any

# Longer integers are read as floats: Python refuses to convert them (its defence against
# the quadratic cost of doing so), and hookd only lifts strings out of a payload anyway.
MAX_INT_DIGITS = 4000


def _parse_int(digits: str) -> int | float:
    return int(digits) if len(digits) <= MAX_INT_DIGITS else float(digits)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def loads(text: str | bytes, constants: bool = False) -> Any:
    """The standard library's JSON reader for any valid JSON: lone surrogates, integers of any
    length (in linear time); NaN and Infinity, which are not JSON, raise ValueError (``constants``: read).

    The daemon takes a payload holding either (JSON.stringify writes a string cut in an emoji
    as ``\\ud83d``), so whatever reads its envelopes back must read them too: ``json.loads``
    alone refuses an integer of over 4,300 digits, msgspec a lone surrogate."""
    if constants:  # a reader of entries others may have written: NaN and Infinity as Python reads them
        return json.loads(text, parse_int=_parse_int)
    return json.loads(text, parse_int=_parse_int, parse_constant=_no_constant)


def one_line(envelope: bytes) -> bytes:
    """The envelope on one line.

    A raw CR or LF in valid JSON can only be whitespace between tokens (inside
    strings they are escaped, and no UTF-8 sequence contains those bytes), so
    a space in its place keeps the JSON the same and everything else byte for
    byte. The payload is embedded as Claude Code sent it, which may be
    pretty-printed.
    """
    if b"\n" in envelope or b"\r" in envelope:
        return envelope.replace(b"\r", b" ").replace(b"\n", b" ")
    return envelope
