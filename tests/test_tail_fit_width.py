"""`hookd tail` cuts a summary where its measured width reaches the room, whatever it holds.

The cut counted each character's own width, so a flag (two regional indicators, two columns on
the terminal and in ``columns``) cost four: a summary of flags was cut at about half the room.
Now the cut keeps the longest start of the text that ``columns`` puts within the room.
"""

from __future__ import annotations

import random

from hookd.tail.summary import columns, fit

FLAG = "\U0001f1ef\U0001f1f5"  # two regional indicators: one flag, two columns


def test_flags_fill_the_room():
    assert fit(FLAG * 50, 21) == FLAG * 10 + "…"
    assert columns(fit(FLAG * 50, 21)) == 21
    assert fit("ab" + FLAG * 50, 22) == "ab" + FLAG * 9 + "…"


def test_cjk_and_combining_marks_are_cut_by_their_width():
    assert fit("中" * 50, 21) == "中" * 10 + "…"
    assert fit("中" * 50, 22) == "中" * 10 + "…"  # a wide character does not fit in the last column
    assert fit("e\u0301" * 50, 11) == "e\u0301" * 10 + "…"  # the marks stay with their letters


def test_the_cut_is_the_longest_start_that_fits():
    pieces = [FLAG, "\U0001f1e6", "a", " ", "中", "\u0301", "\U0001f44d", "\U0001f3fd", "\u200d", "\ufe0f", "é"]
    rng = random.Random(19)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
        room = rng.randint(1, 40)
        cut = fit(text, room)
        assert columns(cut) <= room, (ascii(text), room, ascii(cut))
        if cut == text:
            assert columns(text) <= room
            continue
        kept = cut.removesuffix("…")
        assert text.startswith(kept) and columns(text[: len(kept) + 1]) > room - 1, (ascii(text), room, ascii(cut))
