"""patterns.run: a value's characters read as a class run where that gives what the items give.

VALUE's bare, double-quoted and single-quoted runs were an alternation per character (83 us for a
1 KiB value, read by every rule that takes a value: the hunt's `password=/` + 1 KiB floods). run()
reads the one-character items as a class run and falls back to the items where the run stops before a
character that begins another item. Compared here with the items alone, on every string of their
characters up to 7 long, with small bounds so that the bounds' edges are reached too.
"""

from __future__ import annotations

import itertools
import re

import pytest

from hookd.redact.patterns import _BACKSLASHES, run

# Per use in VALUE: the one-character items, the others, and the characters the strings are made of.
USES = {
    "bare": (r"[^\s\"'\\,;&|<>(){}\[\]`]", _BACKSLASHES, 'a\\ n"t,'),
    "double-quoted": (r"[^\"\\]", r"\\\\\\\"|\\[^\"]", 'a\\"'),
    "single-quoted": (r"[^'\"\\]", r"\\.|'(?=(?:[^'\"\\\s]|\\\\){1,4}+'(?=\s|\Z))", "a'\\\" "),
}


@pytest.mark.parametrize("use", sorted(USES))
@pytest.mark.parametrize(("least", "most"), [(0, 3), (1, 4)])
def test_a_run_matches_what_its_items_match(use, least, most):
    single, others, alphabet = USES[use]
    fast = re.compile(run(single, others, least, most) + "(?P<after>.?)", re.S)
    slow = re.compile(f"(?:{single}|{others}){{{least},{most}}}+" + "(?P<after>.?)", re.S)
    for length in range(8):
        for letters in itertools.product(alphabet, repeat=length):
            text = "".join(letters)
            a, b = fast.match(text), slow.match(text)
            assert (a and a.span("after")) == (b and b.span("after")), (use, text)
