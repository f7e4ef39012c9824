"""The view (hookd/redact/view.py) built with C-level passes: the same text and the same map back to the
original as a plain loop over its matches, and no Python work per escape on a flood of them. Both views:
the Python reference (PyView) and the compiled one (_viewcore.c, when built; tests/test_redact_view_core.py
compares the two further)."""

from __future__ import annotations

import random
import re

import pytest

from hookd.redact import view as view_module
from hookd.redact import viewpattern
from hookd.redact.view import CompiledView, PyView
from hookd.redact.viewpattern import MAX_LEVEL
from hookd.redact.viewtriggers import VIEW_TRIGGERS

VIEWS = [PyView, *([CompiledView] if view_module.COMPILED else [])]

ATOMS = [
    "\\", "\\\\", "\\\\\\", '"', "'", "u00", "u0067", "u0022", "u005c", "u007f", "u005C", "67", "%", "%3D",
    "%3d", "%26", "a", "_", ".", "~", "-", " ", "\t", "\\n", "\\t", "+", " + ", "é", "\\u00e9", "\\\\\\\\\\\\\\",
    "\\u200b", "u200B", "\\\\uFEFF", "u2060", "\\u200e", "\\u2061",
    "\\b", "\\f", "\\r", "\\r\\n", "u0007", "\\u0000", "u001c", "u000a",
    "\\n", "n", "\\u0007", "\\u00a0", "u00A0", "\\u2000", "u200a", "\\u202F", "u3000", "\\u00a1", "\\u3001",
    "\\u00ad", "u034F", "\\u061c", "\\u180e", "u202A", "\\u202e", "\\u2064", "\\u2065", "\\u2066", "u2069",
    "\\u206a", "\\u00ae", "\\uff01", "\\uFF02", "\\uff07", "\\uff1a", "uFF3C", "\\uff3d", "\\uff5e", "\\uff5f",
    "\\uff00", "\\uFF21", "\\\\\\n", "\\\\\\\\\\\\n",
]  # fmt: skip
# raw: the kinds' tests add them (a UCS-2 str)
INVISIBLE = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f", "\u061c", "\u180e", "\u200e", "\u200f",
    "\u202a", "\u202e", "\u2061", "\u2064", "\u2066", "\u2069",
]  # fmt: skip
RAW_SPACES = ["\xa0", "\u2000", "\u2009", "\u200a", "\u202f", "\u3000", "\u3001", "\u1fff"]  # and these
# raw fullwidth forms (read as ASCII) and their neighbours and exceptions (kept)
FULLWIDTH = [
    "\uff0b",
    "\uff0d",
    "\uff19",
    "\uff21",
    "\uff3a",
    "\uff3f",
    "\uff41",
    "\uff5a",
    "\uff0c",
    "\uff1a",
    "\uff1d",
    "\uff02",
    "\uff3c",
    "\uff40",
    "\uff5b",
    "\uff20",
]
NOT_INVISIBLE = ["\u00ae", "\u206a", "\u2065", "\u202f"]


def reference(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """The view's text and its edits (original start, original length, view length), one match at a time."""
    pieces, edits, last = [], [], 0
    for m in viewpattern.EDIT.finditer(text):
        line_before, after, percent, space = m.group(2), m.group(4), m.group(5), m.group(7)
        start, replacement = m.start(), None
        line = m.group(8) if m.group(8) is not None else m.group(9)
        if line is not None:  # a line's prefix: dropped, the line break or quote before it kept
            start, replacement = m.start() + len(line), ""
        elif space:  # a raw no-break or other Unicode space: a space; a fullwidth form: its ASCII character
            replacement = chr(ord(space) - 0xFEE0) if "\uff00" < space < "\uff5f" else " "
        elif after and after.endswith('"'):
            replacement = '\\"'
        elif after in ("b", "f", "t"):  # a backspace, a form feed, a tab: a space
            replacement = " "
        elif after == "r":  # a CR before a LF: nothing
            replacement = ""
        elif after and after.lstrip("\\")[:1] == "n":  # a line continuation and the next line's prefix: nothing
            replacement = ""
        elif after:
            run = len(after) - 4
            level_escape = run & -run
            code = int(after[-4:], 16)
            if level_escape <= 2 ** (MAX_LEVEL - 1) and code not in (0x5C, 0x7F):
                if chr(code) in INVISIBLE:  # dropped, the literal backslashes before it kept
                    start, replacement = m.start() + run - level_escape, ""
                elif code in (0x00, 0x07):  # a NUL or a BEL: a line break of its level, nothing after one
                    start = m.start() + run - level_escape
                    replacement = "" if line_before is not None else "\\" * level_escape + "n"
                elif 0xFF00 < code < 0xFF5F:  # a fullwidth form: its ASCII character
                    start, replacement = m.start() + run - level_escape, chr(code - 0xFEE0)
                elif code > 0x7F:  # a no-break or other Unicode space
                    start, replacement = m.start() + run - level_escape, " "
                elif code != 0x22:  # a control character reads as a space
                    start, replacement = m.start() + run - level_escape, " " if code < 0x20 else chr(code)
                elif run == level_escape:
                    replacement = '\\"'
        else:
            replacement = "=" if percent == "3" else "&" if percent == "2" else ""
        if replacement is None:
            continue
        pieces += (text[last:start], replacement)
        edits.append((start, m.end() - start, len(replacement)))
        last = m.end()
    pieces.append(text[last:])
    return "".join(pieces), edits


@pytest.mark.parametrize("View", VIEWS)
def test_the_view_and_its_map_are_those_of_a_loop_over_the_matches(View: type[PyView]) -> None:
    rng = random.Random(5151)
    changed = 0
    for _ in range(4000):
        text = "".join(
            rng.choice(ATOMS + INVISIBLE + RAW_SPACES + FULLWIDTH + NOT_INVISIBLE) for _ in range(rng.randint(1, 40))
        )
        view = View(text)
        want, edits = reference(text)
        assert view.text == want, text
        assert view.changed == bool(edits), text
        if not edits:
            continue
        changed += 1
        view._map()
        assert list(zip(view._orig_at, view._orig_len, view._view_len)) == edits, text
        # Every view character maps to the stretch it comes from: a whole edit or one kept character.
        at = 0
        for x in range(len(view.text)):
            start, end = view.span(x, x + 1)
            assert start >= at and text[start:end] == view.text[x] or (start, end - start) in [e[:2] for e in edits]
            at = start
    assert changed > 1000


def test_a_flood_of_escapes_runs_no_python_per_escape() -> None:
    for unit in ('ApiKey\\\\\\" ', "\\u0067", '\\"a\\" + \\"b\\" ', "a%3D", "a\u200b", "a\\u200b"):
        text = unit * 20000
        before = view_module._edit.cache_info()
        view = PyView(text)
        after = view_module._edit.cache_info()
        assert view.changed, unit
        assert after.misses - before.misses <= 2 and after.hits + after.misses - before.hits - before.misses >= 20000


def test_the_triggers_for_characters_past_ascii_are_the_characters_the_view_decodes() -> None:
    # viewtriggers.py writes the view's sets (INVISIBLE, SPACES, FULLWIDTH) again as small Hyperscan patterns
    # (one alternation was slow): each character, raw (UTF-8) or escaped in either case, triggers a view exactly
    # when the view decodes it. Checked here with re on the same bytes.
    wide = [re.compile(t.encode()) for t in VIEW_TRIGGERS if t.startswith(("(?i)\\\\u", "\\xC", "\\xD", "\\xE"))]
    decoded = re.compile("[" + viewpattern.INVISIBLE + viewpattern.SPACES + viewpattern.FULLWIDTH + "]")
    for code in [*range(0x80, 0xD800), *range(0xE000, 0x10000)]:
        char = chr(code)
        forms = (char.encode(), f"\\u{code:04x}".encode(), f"\\u{code:04X}".encode())
        want = decoded.fullmatch(char) is not None
        assert [any(t.fullmatch(form) for t in wide) for form in forms] == [want] * 3, hex(code)
