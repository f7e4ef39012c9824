"""checks._closes_a_string reads a value with no backslash with ``in`` (C), as its token search did.

Without a backslash the search's only tokens are raw quotes and line breaks, each a line's end; with one, escape
pairs are read first (``\\\\n`` is an escaped backslash and a letter). Both paths must give the search's answer.
"""

from __future__ import annotations

import random
import re

import pytest

from hookd.redact.checks import _JSON_TOKENS, _LINE_ENDS, _closes_a_string


def by_tokens(value: str) -> bool:
    return any(t.group() in _LINE_ENDS for t in _JSON_TOKENS.finditer(value))


@pytest.mark.parametrize("seed", range(3))
def test_closes_a_string_reads_line_ends_as_the_token_search(seed: int) -> None:
    draw = random.Random(seed)
    pieces = ["a", "Z9", "\\", "\\\\", "n", "r", '"', "\n", "\r", "~", "'", " "]
    for _ in range(3000):
        value = "k" + "".join(draw.choice(pieces) for _ in range(draw.randrange(0, 12)))
        match = re.match(r"(?P<value>.*)", value, re.S)
        assert match is not None
        assert _closes_a_string(match) == by_tokens(value), value
