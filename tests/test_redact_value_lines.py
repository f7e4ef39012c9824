"""valuelines.first_break finds what the line-break regex's search found, with ``str.find``.

The search is the next break for every value an anchored rule reads over line breaks; it must begin where
``_BREAK``'s first match does, raw breaks and escaped ones (a run of backslashes, at most 8 of which the match
takes, before ``n`` or ``r``) alike, wherever the reading starts (inside a run too).
"""

from __future__ import annotations

import random

import pytest

from hookd.redact.valuelines import _BREAK, ValueLines, first_break


def searched(text: str, at: int) -> int:
    found = _BREAK.search(text, at)
    return found.start() if found else len(text)


@pytest.mark.parametrize("seed", range(4))
def test_first_break_is_the_regexs_first_match(seed: int) -> None:
    draw = random.Random(seed)
    pieces = ["\\", "\\" * 3, "\\" * 9, "\\" * 16, "n", "r", "\n", "\r", "a", '"', "\\n", "\\\\r", "x" * 40]
    for _ in range(3000):
        text = "".join(draw.choice(pieces) for _ in range(draw.randrange(0, 30)))
        at = draw.randrange(0, len(text) + 1)
        assert first_break(text, at) == searched(text, at), (text, at)


@pytest.mark.parametrize(
    ("text", "at", "start"),
    [
        ("ab\\ncd", 0, 2),
        ("ab" + "\\" * 12 + "n", 0, 6),  # the last 8 backslashes of a longer run
        ("ab" + "\\" * 12 + "n", 9, 9),  # read from inside the run
        ('ab\\\\\\"cd\\r', 0, 8),  # an escaped quote's backslashes are no break's
        ("a\rb\\n", 0, 1),
        ("a\\nb\n", 0, 1),
        ("plain", 0, 5),
    ],
)
def test_first_break_cases(text: str, at: int, start: int) -> None:
    assert first_break(text, at) == start == searched(text, at)


def test_line_end_takes_the_break_whole() -> None:
    lines = ValueLines("value\\\\nnext")
    assert lines.next_break(0) == 5
    assert lines.line_end(0) == 8


@pytest.mark.parametrize("seed", range(2))
def test_first_break_far_away_is_the_regexs_first_match(seed: int) -> None:
    # Past the first windows, and across their ends: a break of one kind after a long stretch without any.
    draw = random.Random(seed)
    breaks = ["\n", "\r", "\\n", "\\r", "\\" * 3 + "n", "\\" * 11 + "r", ""]
    for _ in range(300):
        text = "a" * draw.randrange(0, 3000) + draw.choice(breaks) + "b\\t" * draw.randrange(0, 300)
        at = draw.randrange(0, len(text) + 1)
        assert first_break(text, at) == searched(text, at), (len(text), at)
